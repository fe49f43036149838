import { QrcodeOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { bytesToHex } from '@lianzheng/protocol';
import { createWallet, presentationQrText, type Wallet as SdkWallet, type WalletCredential } from '@lianzheng/sdk';
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  Col,
  Descriptions,
  Empty,
  Form,
  Input,
  Modal,
  Row,
  Space,
  Tag,
  Typography,
} from 'antd';
import { QRCodeCanvas } from 'qrcode.react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { pinnedGenesis } from '../app/node.js';
import { useOrgs } from '../app/orgs.js';
import { useSession } from '../app/session.js';
import { ErrorAlert, formatTime, Hash, LoadView, PageTitle, RequireSession, useLoad } from '../app/ui.js';
import { browserWalletStorage } from '../app/walletStorage.js';

function useClaimLabel() {
  const { t, i18n } = useTranslation();
  return (k: string) => (i18n.exists(`public.verify.claims.${k}`) ? t(`public.verify.claims.${k}`) : k);
}

function useTypeLabel() {
  const { t, i18n } = useTranslation();
  return (k: string) => (i18n.exists(`public.verify.types.${k}`) ? t(`public.verify.types.${k}`) : k);
}

function claimText(k: string, v: unknown, language: string): string {
  if (k === 'established' && typeof v === 'number') return formatTime(v, language);
  return typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v);
}

function Present({
  wallet,
  credential,
  onClose,
}: {
  wallet: SdkWallet;
  credential: WalletCredential;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const claimLabel = useClaimLabel();
  const { session } = useSession();
  const [chosen, setChosen] = useState<string[]>([]);
  const [nonce, setNonce] = useState('');
  const [aud, setAud] = useState(window.location.origin);
  const [qr, setQr] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  async function make() {
    if (session === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const p = await wallet.present(credential.id, { disclose: chosen, aud: aud.trim(), nonce: nonce.trim() });
      setQr(await presentationQrText(session.client, window.location.origin, p));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal open onCancel={onClose} footer={null} title={t('citizen.wallet.presentTitle')} width={560}>
      {qr === undefined ? (
        <Form layout="vertical" onFinish={() => void make()}>
          <Form.Item label={t('citizen.wallet.chooseClaims')}>
            <Checkbox.Group value={chosen} onChange={(v) => setChosen(v as string[])} data-testid="disclose">
              <Space direction="vertical">
                {Object.keys(credential.disclosable).map((k) => (
                  <Checkbox key={k} value={k}>
                    {claimLabel(k)}
                  </Checkbox>
                ))}
              </Space>
            </Checkbox.Group>
          </Form.Item>
          <Form.Item
            label={t('citizen.wallet.code')}
            help={t('citizen.wallet.codeHelp')}
            required
            htmlFor="present-nonce"
          >
            <Input
              id="present-nonce"
              data-testid="present-nonce"
              value={nonce}
              onChange={(e) => setNonce(e.target.value)}
            />
          </Form.Item>
          <Form.Item label={t('citizen.wallet.audience')} htmlFor="present-aud">
            <Input id="present-aud" value={aud} onChange={(e) => setAud(e.target.value)} />
          </Form.Item>
          {error !== undefined && <ErrorAlert error={error} />}
          <Button
            type="primary"
            htmlType="submit"
            loading={busy}
            disabled={nonce.trim() === '' || aud.trim() === ''}
            icon={<QrcodeOutlined />}
            data-testid="make-qr"
          >
            {t('citizen.wallet.makeQr')}
          </Button>
        </Form>
      ) : (
        <Space direction="vertical" align="center" style={{ width: '100%' }}>
          <div data-testid="presentation-qr" style={{ background: '#fff', padding: 16 }}>
            <QRCodeCanvas value={qr} size={qr.length > 300 ? 320 : 240} level="M" marginSize={4} />
          </div>
          <Typography.Paragraph type="secondary">{t('citizen.wallet.qrHelp')}</Typography.Paragraph>
          <Typography.Paragraph
            copyable={{ text: qr }}
            code
            style={{ wordBreak: 'break-all', maxWidth: 480 }}
            data-testid="qr-text"
          >
            {qr.length > 120 ? `${qr.slice(0, 120)}…` : qr}
          </Typography.Paragraph>
        </Space>
      )}
    </Modal>
  );
}

function CredentialCard({ wallet, c, onChanged }: { wallet: SdkWallet; c: WalletCredential; onChanged: () => void }) {
  const { t, i18n } = useTranslation();
  const orgs = useOrgs();
  const claimLabel = useClaimLabel();
  const typeLabel = useTypeLabel();
  const { modal } = App.useApp();
  const [presenting, setPresenting] = useState(false);
  return (
    <Card
      data-testid="credential-card"
      title={
        <Space>
          <SafetyCertificateOutlined style={{ color: '#1a4e8a' }} />
          {typeLabel(c.type)}
        </Space>
      }
      extra={<Tag color={c.validUntil > Date.now() ? 'success' : 'default'}>{orgs.name(c.org)}</Tag>}
      actions={[
        <Button key="present" type="primary" onClick={() => setPresenting(true)} data-testid="present">
          {t('citizen.wallet.present')}
        </Button>,
        <Button
          key="remove"
          danger
          type="text"
          onClick={() =>
            modal.confirm({
              title: t('citizen.wallet.remove'),
              content: t('citizen.wallet.removeConfirm'),
              onOk: async () => {
                await wallet.remove(c.id);
                onChanged();
              },
            })
          }
        >
          {t('citizen.wallet.remove')}
        </Button>,
      ]}
    >
      <Descriptions column={1} size="small">
        {Object.entries(c.shown).map(([k, v]) => (
          <Descriptions.Item key={k} label={claimLabel(k)}>
            {claimText(k, v, i18n.language)}
          </Descriptions.Item>
        ))}
        {Object.entries(c.disclosable).map(([k, v]) => (
          <Descriptions.Item key={k} label={claimLabel(k)}>
            {claimText(k, v, i18n.language)}
          </Descriptions.Item>
        ))}
        <Descriptions.Item label={t('citizen.wallet.validUntil')}>
          {formatTime(c.validUntil, i18n.language)}
        </Descriptions.Item>
        <Descriptions.Item label={t('citizen.wallet.id')}>
          <span data-testid="credential-id" data-id={c.id}>
            <Hash value={c.id} />
          </span>
        </Descriptions.Item>
      </Descriptions>
      {presenting && <Present wallet={wallet} credential={c} onClose={() => setPresenting(false)} />}
    </Card>
  );
}

function WalletView() {
  const { t } = useTranslation();
  const typeLabel = useTypeLabel();
  const { session } = useSession();
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const state = useLoad(async () => {
    if (session === undefined) throw new Error('not signed in');
    const wallet = createWallet({
      client: session.client,
      genesis: await pinnedGenesis(),
      publicKey: session.key.publicKey,
      secretKey: session.key.secretKey,
      storage: await browserWalletStorage(bytesToHex(session.key.publicKey), session.key.secretKey),
    });
    const [waiting, held] = await Promise.all([wallet.inbox(), wallet.list()]);
    return { wallet, waiting, held };
  }, [session]);
  async function collectAll() {
    const w = state.data?.wallet;
    if (w === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const got = await w.collectAll();
      setNotice(got.map((c) => t('citizen.wallet.collected', { type: typeLabel(c.type) })).join('；'));
      state.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <LoadView loaded={state}>
      {({ wallet, waiting, held }) => (
        <Space direction="vertical" size="large" style={{ width: '100%' }}>
          <Button onClick={state.reload} data-testid="wallet-refresh">
            {t('common.refresh')}
          </Button>
          {waiting.length > 0 && (
            <Alert
              type="info"
              showIcon
              data-testid="wallet-waiting"
              title={t('citizen.wallet.waitingText', { count: waiting.length })}
              action={
                <Button type="primary" onClick={() => void collectAll()} loading={busy} data-testid="collect-all">
                  {t('citizen.wallet.collectAll')}
                </Button>
              }
            />
          )}
          {notice !== undefined && (
            <Alert type="success" showIcon title={notice} closable onClose={() => setNotice(undefined)} />
          )}
          {error !== undefined && <ErrorAlert error={error} />}
          {held.length === 0 ? (
            <Empty description={t('citizen.wallet.none')} />
          ) : (
            <Row gutter={[16, 16]}>
              {held.map((c) => (
                <Col xs={24} md={12} key={c.id}>
                  <CredentialCard wallet={wallet} c={c} onChanged={state.reload} />
                </Col>
              ))}
            </Row>
          )}
        </Space>
      )}
    </LoadView>
  );
}

export function Wallet() {
  const { t } = useTranslation();
  return (
    <RequireSession>
      <PageTitle title={t('citizen.wallet.title')} />
      <Typography.Paragraph style={{ maxWidth: 760 }}>{t('citizen.wallet.lead')}</Typography.Paragraph>
      <WalletView />
    </RequireSession>
  );
}
