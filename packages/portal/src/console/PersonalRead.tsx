/**
 * A personal field of a case: only its commitment is on chain, so it shows as encrypted until a member of staff reads
 * it for a stated purpose. The read is a `privacy.read` transaction signed in this page: every node decides it the
 * same way and records it — allowed or denied — on the citizen's access log before the node releases anything
 * (docs/privacy.md). The value is kept in this component's state only, until hidden or the page is left.
 */
import { EyeInvisibleOutlined, LockOutlined } from '@ant-design/icons';
import type { JsonValue, PrivacyPurpose } from '@lianzheng/protocol';
import { getPrivacyCatalogue, readPersonal } from '@lianzheng/sdk';
import { Alert, Button, Descriptions, Form, Input, Modal, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { client, trustAnchor } from '../app/node.js';
import { ErrorAlert, LoadView, useLoad } from '../app/ui.js';
import { useStaffSession } from './ConsoleLayout.js';
import { labelText } from './views.js';

/** Names of the members personal records commonly have (others are shown as they are). */
const KNOWN_MEMBERS = ['name', 'idNumber', 'phone', 'address', 'birthDate', 'gender'] as const;
/** Known members first, in that order (the value comes back in canonical JSON, its members sorted by name). */
const rank = (k: string) => {
  const i = (KNOWN_MEMBERS as readonly string[]).indexOf(k);
  return i < 0 ? KNOWN_MEMBERS.length : i;
};

function PersonalValueView({ value }: { readonly value: JsonValue }) {
  const { t } = useTranslation();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return <Typography.Text strong>{String(value)}</Typography.Text>;
  }
  return (
    <Descriptions column={1} size="small">
      {Object.entries(value)
        .sort(([a], [b]) => rank(a) - rank(b))
        .map(([k, v]) => (
          <Descriptions.Item
            key={k}
            label={(KNOWN_MEMBERS as readonly string[]).includes(k) ? t(`console.personal.member.${k}`) : k}
          >
            {typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v)}
          </Descriptions.Item>
        ))}
    </Descriptions>
  );
}

/** The purposes this member could read a record of `category` for (the node decides; this only narrows the list). */
function purposesFor(all: readonly PrivacyPurpose[], category: string | undefined, roles: readonly string[]) {
  return all.filter(
    (p) =>
      (category === undefined || p.categories.includes(category)) &&
      (p.roles === undefined || p.roles.some((r) => roles.includes(r))),
  );
}

function ReadDialog({
  record,
  caseId,
  category,
  fieldTitle,
  onClose,
  onRead,
}: {
  readonly record: string;
  readonly caseId: string;
  readonly category: string | undefined;
  readonly fieldTitle: string;
  onClose(): void;
  onRead(value: JsonValue, height: number): void;
}) {
  const { t, i18n } = useTranslation();
  const session = useStaffSession();
  const catalogue = useLoad(() => getPrivacyCatalogue(client), []);
  const [purpose, setPurpose] = useState<string | undefined>(undefined);
  const [reference, setReference] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const purposes = purposesFor(catalogue.data?.purposes ?? [], category, session.identity.roles);
  const chosen = purposes.find((p) => p.id === (purpose ?? purposes.find((x) => x.case === true)?.id));

  async function read() {
    if (chosen === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const { chainId } = await trustAnchor();
      const r = await readPersonal(
        session.client,
        { suite: session.suite, chainId, publicKey: session.key.publicKey, sign: session.signer },
        {
          record,
          purpose: chosen.id,
          ...(chosen.case === true ? { case: caseId } : {}),
          ...(reference.trim() === '' ? {} : { reference: reference.trim() }),
        },
      );
      onRead(r.value, r.height);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      open
      title={t('console.personal.dialogTitle', { field: fieldTitle })}
      okText={t('console.personal.confirm')}
      cancelText={t('common.cancel')}
      onOk={() => void read()}
      onCancel={onClose}
      confirmLoading={busy}
      okButtonProps={{ disabled: chosen === undefined, 'data-testid': 'personal-read-confirm' }}
    >
      <Alert type="warning" showIcon title={t('console.personal.logged')} style={{ marginBottom: 16 }} />
      <LoadView loaded={catalogue}>
        {() => (
          <Form layout="vertical">
            <Form.Item label={t('console.personal.purpose')} required htmlFor="personal-purpose">
              <div data-testid="personal-purpose">
                <Select
                  id="personal-purpose"
                  value={chosen?.id}
                  onChange={setPurpose}
                  options={purposes.map((p) => ({ value: p.id, label: labelText(p.title, i18n.language) }))}
                  notFoundContent={t('console.personal.noPurpose')}
                />
              </div>
            </Form.Item>
            {chosen !== undefined && (
              <Typography.Paragraph type="secondary">
                {t('console.personal.legalBasis')}: {labelText(chosen.legalBasis, i18n.language)}
                {chosen.case === true && (
                  <>
                    <br />
                    {t('console.personal.forCase', { id: `${caseId.slice(0, 12)}…` })}
                  </>
                )}
                {chosen.consentOnly === true && (
                  <>
                    <br />
                    {t('console.personal.consentOnly')}
                  </>
                )}
              </Typography.Paragraph>
            )}
            <Form.Item
              label={t('console.personal.reference')}
              extra={t('console.personal.referenceHelp')}
              htmlFor="personal-reference"
            >
              <Input
                id="personal-reference"
                maxLength={100}
                value={reference}
                onChange={(e) => setReference(e.target.value)}
              />
            </Form.Item>
          </Form>
        )}
      </LoadView>
      {error !== undefined && (
        <Space direction="vertical" style={{ width: '100%' }}>
          <ErrorAlert error={error} />
          <Typography.Text type="secondary">{t('console.personal.deniedLogged')}</Typography.Text>
        </Space>
      )}
    </Modal>
  );
}

/** Shown in place of a personal field's value: encrypted, and a button to read it for a purpose. */
export function PersonalField({
  record,
  caseId,
  category,
  fieldTitle,
  testId,
}: {
  readonly record: string;
  readonly caseId: string;
  readonly category: string | undefined;
  readonly fieldTitle: string;
  readonly testId: string;
}) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [read, setRead] = useState<{ value: JsonValue; height: number } | undefined>(undefined);
  if (read !== undefined) {
    return (
      <Space direction="vertical" size={4} data-testid={`personal-value-${testId}`}>
        <PersonalValueView value={read.value} />
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('console.personal.recorded', { height: read.height })}
        </Typography.Text>
        <Button size="small" icon={<EyeInvisibleOutlined />} onClick={() => setRead(undefined)}>
          {t('console.personal.hide')}
        </Button>
      </Space>
    );
  }
  return (
    <Space wrap>
      <Typography.Text type="secondary">
        <LockOutlined /> {t('console.personal.encrypted')}
      </Typography.Text>
      <Button
        size="small"
        onClick={() => setOpen(true)}
        aria-label={t('console.personal.dialogTitle', { field: fieldTitle })}
        data-testid={`personal-read-${testId}`}
      >
        {t('console.personal.read')}
      </Button>
      {open && (
        <ReadDialog
          record={record}
          caseId={caseId}
          category={category}
          fieldTitle={fieldTitle}
          onClose={() => setOpen(false)}
          onRead={(value, height) => {
            setRead({ value, height });
            setOpen(false);
          }}
        />
      )}
    </Space>
  );
}
