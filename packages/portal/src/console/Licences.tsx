import {
  CREDENTIAL_REASONS,
  type CredentialAnchor,
  type CredentialStatus,
  credentialEffectiveStatus,
  isCredentialEffectiveStatus,
} from '@lianzheng/protocol';
import {
  type CredentialStatusMethod,
  credentialStatusTx,
  getCredentialForCase,
  getCredentialStatus,
  getCredentialTypes,
} from '@lianzheng/sdk';
import { Alert, Button, Card, Descriptions, Form, Input, Modal, Select, Space, Timeline, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { client } from '../app/node.js';
import { useOrgs } from '../app/orgs.js';
import { submitCall } from '../app/tx.js';
import { ErrorAlert, Hash, TimeText, useLoad } from '../app/ui.js';
import { ConsolePage, useStaffSession } from './ConsoleLayout.js';
import { loadConfig, mayCall } from './consortium.js';
import { Pseudonym } from './format.js';
import { LICENCE_STATUS_COLOURS, type LicenceFilters, LicenceList, LicenceStatusTag } from './LicenceList.js';
import { labelText } from './views.js';

const ID = /^[0-9a-f]{64}$/;
/** The filters of the list, kept in the address so that coming back from a licence keeps them. */
const FILTER_PARAMS = ['status', 'type'] as const;
/** The methods, in the order they are offered, with the statuses each applies to (the contract's transitions). */
const METHODS: readonly { method: CredentialStatusMethod; from: readonly CredentialStatus[]; reason: string }[] = [
  { method: 'suspend', from: ['valid'], reason: 'under-investigation' },
  { method: 'reinstate', from: ['suspended'], reason: 'investigation-closed' },
  { method: 'revoke', from: ['valid', 'suspended'], reason: 'revoked-by-decision' },
];

type Lookup =
  | { readonly kind: 'found'; readonly anchor: CredentialAnchor; readonly height: number }
  | { readonly kind: 'absent'; readonly byCase: boolean }
  | { readonly kind: 'error'; readonly error: unknown };

/** A licence by its id, or by the case it was issued for. */
async function lookUp(q: string, byCase: boolean): Promise<Lookup> {
  if (!byCase) {
    const direct = await getCredentialStatus(client, q);
    if (direct.value !== null) return { kind: 'found', anchor: direct.value, height: direct.height };
  }
  const forCase = await getCredentialForCase(client, q);
  if (forCase === undefined) return { kind: 'absent', byCase };
  const v = await getCredentialStatus(client, forCase);
  // Anchored but not yet in a certified block: the proof-backed status route answers from the last checkpoint.
  if (v.value === null) return { kind: 'absent', byCase: true };
  return { kind: 'found', anchor: v.value, height: v.height };
}

/** The anchor once the chain's certified status is `status` (the status route answers from the last checkpoint). */
async function waitForStatus(id: string, status: CredentialStatus): Promise<CredentialAnchor> {
  for (let i = 0; ; i++) {
    const v = await getCredentialStatus(client, id);
    if (v.value !== null && (v.value.status === status || i >= 50)) return v.value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function StatusDialog({
  anchor,
  method,
  defaultReason,
  onClose,
  onDone,
}: {
  readonly anchor: CredentialAnchor;
  readonly method: CredentialStatusMethod;
  readonly defaultReason: string;
  onClose(): void;
  onDone(anchor: CredentialAnchor): void;
}) {
  const { t, i18n } = useTranslation();
  const session = useStaffSession();
  const [reason, setReason] = useState(defaultReason);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const target: CredentialStatus = method === 'reinstate' ? 'valid' : method === 'suspend' ? 'suspended' : 'revoked';
  async function run() {
    setBusy(true);
    setError(undefined);
    try {
      await submitCall(session, credentialStatusTx(method, { id: anchor.id, reason }));
      onDone(await waitForStatus(anchor.id, target));
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }
  return (
    <Modal
      open
      title={t(`console.licences.${method}Title`)}
      okText={t(`console.licences.${method}`)}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: method !== 'reinstate', 'data-testid': 'licence-confirm' }}
      confirmLoading={busy}
      onOk={() => void run()}
      onCancel={onClose}
    >
      <Alert
        type={method === 'revoke' ? 'error' : 'warning'}
        showIcon
        style={{ marginBottom: 16 }}
        title={t(`console.licences.${method}Warning`)}
      />
      <Form layout="vertical">
        <Form.Item label={t('console.licences.reason')} required htmlFor="licence-reason">
          <div data-testid="licence-reason">
            <Select
              id="licence-reason"
              value={reason}
              onChange={setReason}
              options={Object.entries(CREDENTIAL_REASONS).map(([code, text]) => ({
                value: code,
                label: labelText(text, i18n.language),
              }))}
            />
          </div>
        </Form.Item>
      </Form>
      {error !== undefined && <ErrorAlert error={error} />}
    </Modal>
  );
}

function LicenceView({
  anchor,
  onChanged,
}: {
  readonly anchor: CredentialAnchor;
  onChanged(a: CredentialAnchor): void;
}) {
  const { t, i18n } = useTranslation();
  const session = useStaffSession();
  const orgs = useOrgs();
  const config = useLoad(() => loadConfig(), []);
  const types = useLoad(() => getCredentialTypes(client), []);
  const [dialog, setDialog] = useState<(typeof METHODS)[number] | undefined>(undefined);
  const [changed, setChanged] = useState<CredentialStatus | undefined>(undefined);
  const type = types.data?.types.find((x) => x.id === anchor.type);
  // As the list and verifiers judge it: from validUntil on, unless revoked (final).
  const expired = credentialEffectiveStatus(anchor, Date.now()) === 'expired';
  const allowed =
    config.data === undefined
      ? []
      : METHODS.filter((m) => mayCall(config.data!, session.identity, 'credential', m.method, { org: anchor.org }));
  const offered = allowed.filter((m) => m.from.includes(anchor.status));
  const reasonText = (code: string | undefined) =>
    code === undefined ? '' : labelText(CREDENTIAL_REASONS[code], i18n.language) || code;
  return (
    <Card
      title={
        <Space>
          {type === undefined ? anchor.type : labelText(type.title, i18n.language)}
          <LicenceStatusTag status={anchor.status} testId="licence-status" />
          {expired && <LicenceStatusTag status="expired" />}
        </Space>
      }
      data-testid="licence-card"
    >
      {changed !== undefined && (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('console.licences.changed', { status: t(`console.licences.status.${changed}`) })}
          data-testid="licence-changed"
        />
      )}
      <Descriptions column={{ xs: 1, md: 2 }} size="small" bordered>
        <Descriptions.Item label={t('console.licences.id')} span={2}>
          <Hash value={anchor.id} full />
        </Descriptions.Item>
        <Descriptions.Item label={t('console.licences.issuer')}>{orgs.name(anchor.org)}</Descriptions.Item>
        <Descriptions.Item label={t('console.licences.holder')}>
          <Pseudonym value={anchor.holder} />
        </Descriptions.Item>
        <Descriptions.Item label={t('console.licences.validFrom')}>
          <TimeText ms={anchor.validFrom} />
        </Descriptions.Item>
        <Descriptions.Item label={t('console.licences.validUntil')}>
          <TimeText ms={anchor.validUntil} />
        </Descriptions.Item>
        <Descriptions.Item label={t('console.licences.issued')}>
          <TimeText ms={anchor.time} /> · {t('common.height')} {anchor.height}
        </Descriptions.Item>
        {anchor.case !== undefined && (
          <Descriptions.Item label={t('console.licences.case')}>
            <Link to={`/console/cases/${anchor.case}`}>{anchor.case.slice(0, 12)}…</Link>
          </Descriptions.Item>
        )}
        {anchor.reason !== undefined && (
          <Descriptions.Item label={t('console.licences.reason')} span={2}>
            {reasonText(anchor.reason)}
          </Descriptions.Item>
        )}
      </Descriptions>
      {anchor.history.length > 0 && (
        <>
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t('console.licences.history')}
          </Typography.Title>
          <Timeline
            items={anchor.history.map((h) => ({
              color: LICENCE_STATUS_COLOURS[h.status] ?? 'gray',
              content: (
                <span>
                  <TimeText ms={h.time} /> · {t(`console.licences.status.${h.status}`)} · {reasonText(h.reason)} ·{' '}
                  {t('common.height')} {h.height}
                </span>
              ),
            }))}
          />
        </>
      )}
      <div style={{ marginTop: 16 }}>
        {config.data !== undefined && allowed.length === 0 && (
          <Alert
            type="info"
            showIcon
            title={t('console.licences.notAllowed', { org: orgs.name(anchor.org) })}
            data-testid="licence-not-allowed"
          />
        )}
        {allowed.length > 0 && offered.length === 0 && (
          <Typography.Text type="secondary">{t('console.licences.final')}</Typography.Text>
        )}
        <Space wrap>
          {offered.map((m) => (
            <Button
              key={m.method}
              danger={m.method !== 'reinstate'}
              type={m.method === 'reinstate' ? 'primary' : 'default'}
              onClick={() => setDialog(m)}
              data-testid={`licence-${m.method}`}
            >
              {t(`console.licences.${m.method}`)}
            </Button>
          ))}
        </Space>
      </div>
      {dialog !== undefined && (
        <StatusDialog
          anchor={anchor}
          method={dialog.method}
          defaultReason={dialog.reason}
          onClose={() => setDialog(undefined)}
          onDone={(a) => {
            setDialog(undefined);
            setChanged(a.status);
            onChanged(a);
          }}
        />
      )}
    </Card>
  );
}

function LicencesBody() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const byCase = params.get('case') !== null;
  const q = (params.get('case') ?? params.get('id') ?? '').trim().toLowerCase();
  const status = params.get('status') ?? undefined;
  const filters: LicenceFilters = {
    status: isCredentialEffectiveStatus(status) ? status : undefined,
    type: params.get('type') ?? undefined,
  };
  /** The address with `lookup` (a licence or case number, or none: the list) and the list's filters kept. */
  const withFilters = (lookup: Record<string, string>, f: LicenceFilters = filters): URLSearchParams => {
    const next = new URLSearchParams(lookup);
    for (const name of FILTER_PARAMS) {
      const v = f[name];
      if (v !== undefined) next.set(name, v);
    }
    return next;
  };
  const [input, setInput] = useState(q);
  const [result, setResult] = useState<Lookup | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setInput(q);
    setResult(undefined);
    if (!ID.test(q)) return;
    let current = true;
    setBusy(true);
    lookUp(q, byCase)
      .catch((error: unknown): Lookup => ({ kind: 'error', error }))
      .then((r) => {
        if (current) setResult(r);
      })
      .finally(() => {
        if (current) setBusy(false);
      });
    return () => {
      current = false;
    };
  }, [q, byCase]);
  const malformed = q !== '' && !ID.test(q);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card>
        <Typography.Paragraph>{t('console.licences.lead')}</Typography.Paragraph>
        <Input.Search
          aria-label={t('console.licences.search')}
          placeholder={t('console.licences.search')}
          enterButton={t('common.search')}
          value={input}
          onChange={(e) => setInput(e.target.value)}
          onSearch={(v) => setParams(withFilters(v.trim() === '' ? {} : { id: v.trim().toLowerCase() }))}
          loading={busy}
          style={{ maxWidth: 720 }}
          data-testid="licence-search"
        />
        {malformed && (
          <Alert type="warning" showIcon style={{ marginTop: 12 }} title={t('console.licences.malformed')} />
        )}
      </Card>
      {q !== '' && (
        <Link to={`/console/licences?${withFilters({}).toString()}`} data-testid="licence-back">
          ← {t('console.licences.backToList')}
        </Link>
      )}
      {result?.kind === 'absent' && (
        <Alert
          type="info"
          showIcon
          title={t(result.byCase ? 'console.licences.notIssuedYet' : 'console.licences.notFound')}
          data-testid="licence-absent"
        />
      )}
      {result?.kind === 'error' && <ErrorAlert error={result.error} />}
      {result?.kind === 'found' && (
        <LicenceView
          key={result.anchor.id}
          anchor={result.anchor}
          onChanged={(anchor) => setResult({ kind: 'found', anchor, height: result.height })}
        />
      )}
      {q === '' && (
        <LicenceList
          filters={filters}
          onFilters={(f) => setParams(withFilters({}, f))}
          linkTo={(id) => `/console/licences?${withFilters({ id }).toString()}`}
        />
      )}
    </Space>
  );
}

export function Licences() {
  const { t } = useTranslation();
  return (
    <ConsolePage title={t('console.licences.title')}>
      <LicencesBody />
    </ConsolePage>
  );
}
