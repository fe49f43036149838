/**
 * The licences the signed-in member's department issued (`getCredentials`, GET /v1/credentials): filters by status
 * and type, pages by the node's cursor, each row opening the licence's own view. Offered only when the configuration's
 * `credential.list` policy allows the member for their department; the node decides in any case.
 */
import { ReloadOutlined } from '@ant-design/icons';
import { CREDENTIAL_EFFECTIVE_STATUSES, type CredentialEffectiveStatus } from '@lianzheng/protocol';
import { type CredentialListItem, getCredentials, getCredentialTypes } from '@lianzheng/sdk';
import { Alert, Button, Card, Empty, Select, Space, Table, type TableColumnsType, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { client } from '../app/node.js';
import { ErrorAlert, LoadView, TimeText, useLoad } from '../app/ui.js';
import { useStaffSession } from './ConsoleLayout.js';
import { loadConfig, mayCall } from './consortium.js';
import { formatDate, Pseudonym } from './format.js';
import { labelText } from './views.js';

/** Licences per page: a screenful. */
const PAGE_SIZE = 20;

/** Tag colours of the statuses; an expired licence is plain grey, as on the licence's own view. */
export const LICENCE_STATUS_COLOURS: Readonly<Record<CredentialEffectiveStatus, string | undefined>> = {
  valid: 'green',
  suspended: 'orange',
  revoked: 'red',
  expired: undefined,
};

export interface LicenceFilters {
  readonly status?: CredentialEffectiveStatus | undefined;
  readonly type?: string | undefined;
}

export function LicenceStatusTag({ status, testId }: { readonly status: CredentialEffectiveStatus; testId?: string }) {
  const { t } = useTranslation();
  const colour = LICENCE_STATUS_COLOURS[status];
  return (
    <Tag {...(colour === undefined ? {} : { color: colour })} data-testid={testId}>
      {t(`console.licences.status.${status}`)}
    </Tag>
  );
}

function LicenceTable({
  org,
  filters,
  typeTitle,
  linkTo,
}: {
  readonly org: string;
  readonly filters: LicenceFilters;
  typeTitle(id: string): string;
  linkTo(id: string): string;
}) {
  const { t, i18n } = useTranslation();
  const session = useStaffSession();
  const navigate = useNavigate();
  // The cursors of the pages seen so far: the last one is the page shown (undefined: the first page).
  const [cursors, setCursors] = useState<readonly (string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const page = useLoad(
    () =>
      getCredentials(session.client, {
        org,
        limit: PAGE_SIZE,
        ...(filters.status === undefined ? {} : { status: filters.status }),
        ...(filters.type === undefined ? {} : { type: filters.type }),
        ...(cursor === undefined ? {} : { cursor }),
      }),
    [session, org, filters.status, filters.type, cursor],
  );
  const filtered = filters.status !== undefined || filters.type !== undefined;
  const columns: TableColumnsType<CredentialListItem> = [
    { title: t('console.licences.type'), key: 'type', render: (_, x) => typeTitle(x.type) },
    {
      title: t('console.licences.id'),
      key: 'id',
      render: (_, x) => (
        <Link to={linkTo(x.id)} aria-label={t('console.licences.openLicence', { id: x.id })}>
          <Typography.Text code>{x.id.slice(0, 12)}…</Typography.Text>
        </Link>
      ),
    },
    { title: t('console.licences.holder'), key: 'holder', render: (_, x) => <Pseudonym value={x.holder} /> },
    {
      title: t('console.licences.statusColumn'),
      key: 'status',
      render: (_, x) => <LicenceStatusTag status={x.status} testId={`licence-row-status-${x.id}`} />,
    },
    {
      title: t('console.licences.validity'),
      key: 'validity',
      render: (_, x) =>
        t('console.licences.validityRange', {
          from: formatDate(x.validFrom, i18n.language),
          until: formatDate(x.validUntil, i18n.language),
        }),
    },
    { title: t('console.licences.issued'), key: 'issued', render: (_, x) => <TimeText ms={x.time} /> },
    {
      title: t('console.licences.case'),
      key: 'case',
      render: (_, x) =>
        x.case === undefined ? (
          <Typography.Text type="secondary">{t('console.licences.noCase')}</Typography.Text>
        ) : (
          <Link to={`/console/cases/${x.case}`}>{x.case.slice(0, 12)}…</Link>
        ),
    },
    {
      title: t('common.actions'),
      key: 'open',
      render: (_, x) => (
        <Button size="small" onClick={() => navigate(linkTo(x.id))} data-testid={`licence-open-${x.id}`}>
          {t('console.licences.view')}
        </Button>
      ),
    },
  ];
  if (page.error !== undefined) return <ErrorAlert error={page.error} onRetry={page.reload} />;
  const data = page.data;
  return (
    <>
      <div data-testid="licence-table">
        <Table<CredentialListItem>
          rowKey="id"
          size="middle"
          columns={columns}
          dataSource={data === undefined ? [] : [...data.items]}
          loading={page.loading}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{
            emptyText: (
              <Empty
                image={Empty.PRESENTED_IMAGE_SIMPLE}
                description={t(filtered ? 'console.licences.listEmpty' : 'console.licences.listEmptyAll')}
                data-testid="licence-list-empty"
              />
            ),
          }}
        />
      </div>
      <Space wrap style={{ marginTop: 16, justifyContent: 'space-between', width: '100%' }}>
        <Typography.Text type="secondary" data-testid="licence-count">
          {data === undefined ? '' : t('console.licences.count', { count: data.total })}
        </Typography.Text>
        <Space wrap>
          <Typography.Text type="secondary">{t('console.licences.page', { n: cursors.length })}</Typography.Text>
          <Button
            disabled={cursors.length === 1 || page.loading}
            onClick={() => setCursors((c) => c.slice(0, -1))}
            data-testid="licence-page-previous"
          >
            {t('console.licences.previousPage')}
          </Button>
          <Button
            disabled={data?.next === undefined || page.loading}
            onClick={() => {
              const next = data?.next;
              if (next !== undefined) setCursors((c) => [...c, next]);
            }}
            data-testid="licence-page-next"
          >
            {t('console.licences.nextPage')}
          </Button>
        </Space>
      </Space>
    </>
  );
}

export function LicenceList({
  filters,
  onFilters,
  linkTo,
}: {
  readonly filters: LicenceFilters;
  onFilters(next: LicenceFilters): void;
  linkTo(id: string): string;
}) {
  const { t, i18n } = useTranslation();
  const session = useStaffSession();
  const config = useLoad(() => loadConfig(), []);
  const types = useLoad(() => getCredentialTypes(client), []);
  // A fresh table (first page) for every change of filters or a refresh.
  const [round, setRound] = useState(0);
  const org = session.identity.org;
  const issued = (types.data?.types ?? []).filter((x) => org !== undefined && x.issuers.includes(org));
  const typeTitle = (id: string) => {
    const type = types.data?.types.find((x) => x.id === id);
    return type === undefined ? id : labelText(type.title, i18n.language);
  };
  return (
    <LoadView loaded={config}>
      {(record) =>
        org === undefined || !mayCall(record, session.identity, 'credential', 'list', { org }) ? (
          <Alert
            type="info"
            showIcon
            title={t('console.licences.listNotAllowed')}
            data-testid="licence-list-not-allowed"
          />
        ) : (
          <Card
            title={t('console.licences.listTitle')}
            extra={
              <Button icon={<ReloadOutlined />} onClick={() => setRound((r) => r + 1)}>
                {t('common.refresh')}
              </Button>
            }
            data-testid="licence-list"
          >
            <Space wrap size="large" style={{ marginBottom: 16 }}>
              <Space>
                <label htmlFor="licence-filter-status">{t('console.licences.filterStatus')}</label>
                <div data-testid="licence-filter-status">
                  <Select
                    id="licence-filter-status"
                    style={{ minWidth: 140 }}
                    value={filters.status ?? 'all'}
                    onChange={(v: string) =>
                      onFilters({
                        ...filters,
                        status: (CREDENTIAL_EFFECTIVE_STATUSES as readonly string[]).includes(v)
                          ? (v as CredentialEffectiveStatus)
                          : undefined,
                      })
                    }
                    options={[
                      { value: 'all', label: t('console.licences.allStatuses') },
                      ...CREDENTIAL_EFFECTIVE_STATUSES.map((s) => ({
                        value: s,
                        label: t(`console.licences.status.${s}`),
                      })),
                    ]}
                  />
                </div>
              </Space>
              <Space>
                <label htmlFor="licence-filter-type">{t('console.licences.filterType')}</label>
                <div data-testid="licence-filter-type">
                  <Select
                    id="licence-filter-type"
                    style={{ minWidth: 180 }}
                    value={filters.type ?? 'all'}
                    onChange={(v: string) => onFilters({ ...filters, type: v === 'all' ? undefined : v })}
                    options={[
                      { value: 'all', label: t('console.licences.allTypes') },
                      ...(issued.length > 0 ? issued : (types.data?.types ?? [])).map((x) => ({
                        value: x.id,
                        label: labelText(x.title, i18n.language),
                      })),
                    ]}
                  />
                </div>
              </Space>
            </Space>
            <LicenceTable
              key={`${filters.status ?? ''}|${filters.type ?? ''}|${round}`}
              org={org}
              filters={filters}
              typeTitle={typeTitle}
              linkTo={linkTo}
            />
          </Card>
        )
      }
    </LoadView>
  );
}
