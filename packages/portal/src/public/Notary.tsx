import { InboxOutlined } from '@ant-design/icons';
import {
  assertNotaryCertificate,
  consortiumFromGenesis,
  hexToBytes,
  type NotaryAlgorithm,
  type NotaryCertificate,
  portableSuite,
  verifyNotaryCertificate,
} from '@lianzheng/protocol';
import { getNotaryCertificate } from '@lianzheng/sdk';
import { Alert, Button, Card, Descriptions, Input, Progress, Space, Typography, Upload } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { hashFile } from '../app/hashFile.js';
import { client, pinnedGenesis, trustAnchor } from '../app/node.js';
import { useSession } from '../app/session.js';
import { isCode, submitCall } from '../app/tx.js';
import { ErrorAlert, formatTime, Hash, PageTitle } from '../app/ui.js';

interface Hashed {
  readonly name: string;
  readonly size: number;
  readonly alg: NotaryAlgorithm;
  readonly hash: string;
}

function certificateFile(cert: NotaryCertificate, name: string): void {
  const blob = new Blob([`${JSON.stringify(cert, null, 2)}\n`], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${name}.lianzheng-certificate.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

async function verifyCertificate(cert: unknown, hash: string) {
  const genesis = await pinnedGenesis();
  const suite = portableSuite(genesis.suite);
  const c = assertNotaryCertificate(cert, suite);
  return { cert: c, verified: verifyNotaryCertificate(suite, consortiumFromGenesis(genesis), c, hexToBytes(hash)) };
}

function Found({
  file,
  cert,
  verified,
}: {
  file: Hashed;
  cert: NotaryCertificate;
  verified: { height: number; time: number };
}) {
  const { t, i18n } = useTranslation();
  return (
    <Alert
      type="success"
      showIcon
      data-testid="notary-found"
      title={t('public.notary.found', { time: formatTime(verified.time, i18n.language), height: verified.height })}
      description={
        <Space direction="vertical">
          <span>{t('public.notary.verified')}</span>
          <Button onClick={() => certificateFile(cert, file.name)}>{t('public.notary.downloadCert')}</Button>
        </Space>
      }
    />
  );
}

export function Notary() {
  const { t } = useTranslation();
  const { session } = useSession();
  const [progress, setProgress] = useState<number | undefined>(undefined);
  const [file, setFile] = useState<Hashed | undefined>(undefined);
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<
    | { kind: 'found'; cert: NotaryCertificate; verified: { height: number; time: number } }
    | { kind: 'absent' }
    | { kind: 'error'; error: unknown }
    | undefined
  >(undefined);

  async function choose(f: File) {
    setOutcome(undefined);
    setFile(undefined);
    setProgress(0);
    try {
      const { suite } = await trustAnchor();
      const alg: NotaryAlgorithm = suite === 'sm2-sm3' ? 'sm3' : 'sha256';
      const hash = await hashFile(f, alg, setProgress);
      setFile({ name: f.name, size: f.size, alg, hash });
    } catch (error) {
      setOutcome({ kind: 'error', error });
    } finally {
      setProgress(undefined);
    }
  }

  async function check(h: Hashed) {
    setBusy(true);
    try {
      const cert = await getNotaryCertificate(client, h.alg, h.hash);
      const { verified } = await verifyCertificate(cert, h.hash);
      setOutcome({ kind: 'found', cert, verified });
    } catch (error) {
      setOutcome(isCode(error, 'STATE_KEY_NOT_FOUND') ? { kind: 'absent' } : { kind: 'error', error });
    } finally {
      setBusy(false);
    }
  }

  async function register(h: Hashed) {
    if (session === undefined) return;
    setBusy(true);
    try {
      await submitCall(session, {
        contract: 'notary',
        method: 'register',
        args: { alg: h.alg, hash: h.hash, ...(title.trim() === '' ? {} : { title: title.trim() }) },
      });
      await check(h);
    } catch (error) {
      setOutcome({ kind: 'error', error });
      setBusy(false);
    }
  }

  return (
    <>
      <PageTitle title={t('public.notary.title')} />
      <Typography.Paragraph style={{ maxWidth: 760 }}>{t('public.notary.lead')}</Typography.Paragraph>
      <Space direction="vertical" size="large" style={{ width: '100%' }}>
        <Card>
          <div data-testid="notary-file">
            <Upload.Dragger
              multiple={false}
              showUploadList={false}
              beforeUpload={(f) => {
                void choose(f);
                return false;
              }}
            >
              <p className="ant-upload-drag-icon">
                <InboxOutlined />
              </p>
              <p className="ant-upload-text">{t('public.notary.drop')}</p>
            </Upload.Dragger>
          </div>
          {progress !== undefined && (
            <div style={{ marginTop: 16 }}>
              <Typography.Text>{t('public.notary.hashing')}</Typography.Text>
              <Progress percent={Math.round(progress * 100)} />
            </div>
          )}
          {file !== undefined && (
            <Space direction="vertical" style={{ width: '100%', marginTop: 16 }}>
              <Descriptions column={1} size="small" bordered>
                <Descriptions.Item label={t('public.notary.fileName')}>{file.name}</Descriptions.Item>
                <Descriptions.Item label={t('public.notary.size')}>{file.size.toLocaleString()} B</Descriptions.Item>
                <Descriptions.Item label={t('public.notary.algorithm')}>{file.alg.toUpperCase()}</Descriptions.Item>
                <Descriptions.Item label={t('public.notary.digest')}>
                  <span data-testid="notary-digest">
                    <Hash value={file.hash} full />
                  </span>
                </Descriptions.Item>
              </Descriptions>
              <Space wrap>
                <Button onClick={() => void check(file)} loading={busy} data-testid="notary-check">
                  {t('public.notary.check')}
                </Button>
                {session !== undefined && (
                  <>
                    <Input
                      aria-label={t('public.notary.title_')}
                      placeholder={t('public.notary.title_')}
                      value={title}
                      maxLength={256}
                      onChange={(e) => setTitle(e.target.value)}
                      style={{ width: 280 }}
                    />
                    <Button
                      type="primary"
                      onClick={() => void register(file)}
                      loading={busy}
                      data-testid="notary-register"
                    >
                      {t('public.notary.register')}
                    </Button>
                  </>
                )}
              </Space>
              {session === undefined && (
                <Typography.Text type="secondary">
                  <Link to="/signin?next=/notary">{t('common.signIn')}</Link> — {t('public.notary.registerNeedsSignIn')}
                </Typography.Text>
              )}
            </Space>
          )}
          {outcome?.kind === 'found' && file !== undefined && (
            <div style={{ marginTop: 16 }}>
              <Found file={file} cert={outcome.cert} verified={outcome.verified} />
            </div>
          )}
          {outcome?.kind === 'absent' && (
            <Alert
              style={{ marginTop: 16 }}
              type="info"
              showIcon
              title={t('public.notary.notRegistered')}
              data-testid="notary-absent"
            />
          )}
          {outcome?.kind === 'error' && (
            <div style={{ marginTop: 16 }}>
              <ErrorAlert error={outcome.error} />
            </div>
          )}
        </Card>
        <CertificateCheck />
      </Space>
    </>
  );
}

/** Checks a downloaded certificate against a file, in the browser, with nothing but the pinned genesis. */
function CertificateCheck() {
  const { t, i18n } = useTranslation();
  const [cert, setCert] = useState<unknown>(undefined);
  const [doc, setDoc] = useState<File | undefined>(undefined);
  const [result, setResult] = useState<{ ok?: string; error?: unknown } | undefined>(undefined);
  async function run(c: unknown, f: File) {
    try {
      const alg = (c as { document?: { alg?: NotaryAlgorithm } }).document?.alg === 'sm3' ? 'sm3' : 'sha256';
      const hash = await hashFile(f, alg, () => undefined);
      const { verified } = await verifyCertificate(c, hash);
      setResult({
        ok: t('public.notary.certOk', { time: formatTime(verified.time, i18n.language), height: verified.height }),
      });
    } catch (error) {
      setResult({ error });
    }
  }
  return (
    <Card title={t('public.notary.verifyCertTitle')}>
      <Typography.Paragraph>{t('public.notary.verifyCertText')}</Typography.Paragraph>
      <Space wrap>
        <span data-testid="cert-file">
          <Upload
            accept="application/json,.json"
            maxCount={1}
            beforeUpload={(f) => {
              void f.text().then(
                (text) => {
                  try {
                    setCert(JSON.parse(text));
                    setResult(undefined);
                  } catch (error) {
                    setResult({ error });
                  }
                },
                (error: unknown) => setResult({ error }),
              );
              return false;
            }}
          >
            <Button>{t('public.notary.chooseCert')}</Button>
          </Upload>
        </span>
        <span data-testid="cert-doc">
          <Upload
            maxCount={1}
            beforeUpload={(f) => {
              setDoc(f);
              setResult(undefined);
              return false;
            }}
          >
            <Button>{t('public.notary.choose')}</Button>
          </Upload>
        </span>
        <Button
          type="primary"
          disabled={cert === undefined || doc === undefined}
          onClick={() => void run(cert, doc!)}
          data-testid="cert-check"
        >
          {t('public.notary.check')}
        </Button>
      </Space>
      {result?.ok !== undefined && (
        <Alert style={{ marginTop: 16 }} type="success" showIcon title={result.ok} data-testid="cert-ok" />
      )}
      {result?.error !== undefined && (
        <div style={{ marginTop: 16 }}>
          <ErrorAlert error={result.error} />
        </div>
      )}
    </Card>
  );
}
