import { CameraOutlined, PictureOutlined, ReloadOutlined } from '@ant-design/icons';
import type { VerifiedCredential } from '@lianzheng/protocol';
import { type CredentialVerifier, createCredentialVerifier, presentationFromQrText } from '@lianzheng/sdk';
import { Alert, Button, Card, Col, Descriptions, Input, Result, Row, Space, Tag, Typography, Upload } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { client, pinnedGenesis } from '../app/node.js';
import { useOrgs } from '../app/orgs.js';
import { readQrFromFile, scanQrFromCamera } from '../app/qr.js';
import { ErrorAlert, errorCode, formatTime, PageTitle, useErrorText } from '../app/ui.js';

type Outcome =
  | { kind: 'valid'; credential: VerifiedCredential }
  | { kind: 'revoked' | 'suspended' | 'expired' | 'forged'; code: string | undefined; error: unknown };

const STATUS_OF: Record<string, 'revoked' | 'suspended' | 'expired'> = {
  CREDENTIAL_REVOKED: 'revoked',
  CREDENTIAL_SUSPENDED: 'suspended',
  CREDENTIAL_EXPIRED: 'expired',
};

/** This page is the verifier: its audience is the portal's origin; its nonces live as long as the page. */
let verifier: Promise<CredentialVerifier> | undefined;
function theVerifier(): Promise<CredentialVerifier> {
  verifier ??= pinnedGenesis().then((genesis) =>
    createCredentialVerifier({ client, genesis, aud: window.location.origin }),
  );
  return verifier;
}

function ClaimList({ credential }: { credential: VerifiedCredential }) {
  const { t, i18n } = useTranslation();
  const entries = Object.entries(credential.claims).filter(
    ([k]) => !['iss', 'vct', 'cnf', 'jti', 'iat', 'nbf', 'exp', 'sub', 'status', 'x5c'].includes(k),
  );
  return (
    <Descriptions column={1} size="small" bordered data-testid="disclosed-claims">
      {entries.map(([k, v]) => (
        <Descriptions.Item
          key={k}
          label={i18n.exists(`public.verify.claims.${k}`) ? t(`public.verify.claims.${k}`) : k}
        >
          {k === 'established' && typeof v === 'number'
            ? formatTime(v, i18n.language)
            : typeof v === 'string' || typeof v === 'number'
              ? String(v)
              : JSON.stringify(v)}
        </Descriptions.Item>
      ))}
    </Descriptions>
  );
}

function OutcomeView({ outcome }: { outcome: Outcome }) {
  const { t, i18n } = useTranslation();
  const orgs = useOrgs();
  const errorText = useErrorText();
  if (outcome.kind === 'valid') {
    const c = outcome.credential;
    return (
      <Result
        status="success"
        title={
          <span data-testid="verify-result" data-result="valid">
            {t('public.verify.result.valid')}
          </span>
        }
        subTitle={t('public.verify.result.validText')}
        extra={
          <Space direction="vertical" style={{ width: '100%', textAlign: 'left' }}>
            <Descriptions column={1} size="small" bordered>
              <Descriptions.Item label={t('public.verify.type')}>
                {i18n.exists(`public.verify.types.${c.type}`) ? t(`public.verify.types.${c.type}`) : c.type}
              </Descriptions.Item>
              <Descriptions.Item label={t('public.verify.issuer')}>{orgs.name(c.org)}</Descriptions.Item>
              <Descriptions.Item label={t('public.verify.issuedAt')}>
                {formatTime(c.validFrom, i18n.language)}
              </Descriptions.Item>
              <Descriptions.Item label={t('public.verify.validUntil')}>
                {formatTime(c.validUntil, i18n.language)}
              </Descriptions.Item>
              <Descriptions.Item label={t('public.verify.status')}>
                <Tag color="success">{t('public.verify.result.valid')}</Tag>
              </Descriptions.Item>
              <Descriptions.Item label={t('public.verify.checkpoint')}>
                {t('public.verify.checkpointAt', { height: c.checkpointHeight })} ·{' '}
                {formatTime(c.checkpointTime, i18n.language)}
              </Descriptions.Item>
            </Descriptions>
            <Typography.Title level={4}>{t('public.verify.disclosed')}</Typography.Title>
            <ClaimList credential={c} />
            <Typography.Text type="secondary">{t('public.verify.hidden')}</Typography.Text>
          </Space>
        }
      />
    );
  }
  const reason = (outcome.error as { details?: { reason?: unknown } } | undefined)?.details?.reason;
  return (
    <Result
      status={outcome.kind === 'forged' ? 'error' : 'warning'}
      title={
        <span data-testid="verify-result" data-result={outcome.kind}>
          {t(`public.verify.result.${outcome.kind}`)}
        </span>
      }
      subTitle={t(`public.verify.result.${outcome.kind}Text`)}
      extra={
        <Space direction="vertical">
          {outcome.kind === 'forged' ? (
            <ErrorAlert error={outcome.error} />
          ) : (
            <Typography.Text type="secondary">
              {errorText(outcome.error)}
              {typeof reason === 'string' && reason !== '' && ` · ${t('public.verify.reason')}: ${reason}`}
            </Typography.Text>
          )}
        </Space>
      }
    />
  );
}

export function VerifyLicence() {
  const { t } = useTranslation();
  const [nonce, setNonce] = useState<string | undefined>(undefined);
  const [setupError, setSetupError] = useState<unknown>(undefined);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const [scanning, setScanning] = useState<AbortController | undefined>(undefined);
  const video = useRef<HTMLVideoElement>(null);
  const result = useRef<HTMLElement>(null);

  function fresh() {
    theVerifier().then((v) => setNonce(v.nonce()), setSetupError);
  }
  useEffect(fresh, []);
  useEffect(() => () => scanning?.abort(), [scanning]);
  // The result appears below the form: move there, so that keyboard and screen-reader users land on it.
  useEffect(() => {
    if (outcome !== undefined) result.current?.focus();
  }, [outcome]);

  async function verify(input: string) {
    if (nonce === undefined || input.trim() === '') return;
    setBusy(true);
    setOutcome(undefined);
    try {
      const v = await theVerifier();
      const presentation = await presentationFromQrText(input);
      setOutcome({ kind: 'valid', credential: await v.verify(presentation, nonce) });
    } catch (error) {
      const code = errorCode(error);
      setOutcome({ kind: (code !== undefined ? STATUS_OF[code] : undefined) ?? 'forged', code, error });
    } finally {
      setBusy(false);
      // A code is single-use: the next holder gets a new one.
      fresh();
    }
  }

  async function fromImage(file: Blob) {
    setNotice(undefined);
    const found = await readQrFromFile(file).catch(() => undefined);
    if (found === undefined) {
      setNotice(t('public.verify.noQr'));
      return;
    }
    setText(found);
    await verify(found);
  }

  async function camera() {
    if (scanning !== undefined) {
      scanning.abort();
      setScanning(undefined);
      return;
    }
    const c = new AbortController();
    setScanning(c);
    setNotice(undefined);
    try {
      if (video.current === null) return;
      const found = await scanQrFromCamera(video.current, c.signal);
      if (found !== undefined) {
        setText(found);
        await verify(found);
      }
    } catch {
      setNotice(t('public.verify.cameraUnavailable'));
    } finally {
      setScanning(undefined);
    }
  }

  if (setupError !== undefined) return <ErrorAlert error={setupError} onRetry={fresh} />;
  return (
    <>
      <PageTitle title={t('public.verify.title')} />
      <Typography.Paragraph style={{ maxWidth: 760 }}>{t('public.verify.lead')}</Typography.Paragraph>
      <Row gutter={[16, 16]}>
        <Col xs={24} md={10}>
          <Card title={t('public.verify.code')}>
            <Typography.Text code copyable style={{ fontSize: 20 }} data-testid="verify-nonce">
              {nonce ?? '…'}
            </Typography.Text>
            <div style={{ marginTop: 8 }}>
              <Typography.Text type="secondary">{t('public.verify.codeHelp')}</Typography.Text>
            </div>
            <div style={{ marginTop: 8 }}>
              <Typography.Text type="secondary">
                {t('public.verify.audience')}: <code data-testid="verify-aud">{window.location.origin}</code>
              </Typography.Text>
            </div>
            <Button style={{ marginTop: 12 }} icon={<ReloadOutlined />} onClick={fresh}>
              {t('public.verify.newCode')}
            </Button>
          </Card>
        </Col>
        <Col xs={24} md={14}>
          <Card>
            <Space direction="vertical" style={{ width: '100%' }}>
              <label htmlFor="presentation-input">{t('public.verify.paste')}</label>
              <Input.TextArea
                id="presentation-input"
                data-testid="presentation-input"
                rows={4}
                value={text}
                placeholder={t('public.verify.pastePlaceholder')}
                onChange={(e) => setText(e.target.value)}
              />
              <Space wrap>
                <Button
                  type="primary"
                  loading={busy}
                  disabled={nonce === undefined || text.trim() === ''}
                  onClick={() => void verify(text)}
                  data-testid="verify-button"
                >
                  {busy ? t('public.verify.verifying') : t('public.verify.verifyButton')}
                </Button>
                <span data-testid="verify-upload">
                  <Upload
                    accept="image/*"
                    showUploadList={false}
                    beforeUpload={(f) => {
                      void fromImage(f);
                      return false;
                    }}
                  >
                    <Button icon={<PictureOutlined />}>{t('public.verify.upload')}</Button>
                  </Upload>
                </span>
                <Button icon={<CameraOutlined />} onClick={() => void camera()}>
                  {scanning === undefined ? t('public.verify.camera') : t('public.verify.stopCamera')}
                </Button>
              </Space>
              <video
                ref={video}
                muted
                playsInline
                style={{ width: '100%', maxWidth: 360, display: scanning === undefined ? 'none' : 'block' }}
              />
              {notice !== undefined && <Alert type="warning" showIcon title={notice} />}
            </Space>
          </Card>
        </Col>
      </Row>
      {/* Present from the start (a live region added with its text is not reliably read); emptied while verifying. */}
      <div role="status" className="lz-sr-only" data-testid="verify-status">
        {outcome !== undefined && t('public.verify.outcomeIs', { result: t(`public.verify.result.${outcome.kind}`) })}
      </div>
      {outcome !== undefined && (
        <section
          ref={result}
          tabIndex={-1}
          aria-label={t('public.verify.outcome')}
          data-testid="verify-outcome"
          style={{ marginTop: 16 }}
        >
          <Card>
            <OutcomeView outcome={outcome} />
          </Card>
        </section>
      )}
    </>
  );
}
