import { KeyOutlined, UploadOutlined } from '@ant-design/icons';
import { bytesToHex, openKeyFile, readKeyFileHeader } from '@lianzheng/protocol';
import { Button, Card, Checkbox, Form, Input, List, Space, Typography, Upload } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { forgetKey, type RememberedKey, rememberedKeys, rememberKey } from '../app/keyStore.js';
import { useSession } from '../app/session.js';
import { ErrorAlert, PageTitle } from '../app/ui.js';

interface Chosen {
  readonly text: string;
  readonly id: string;
  readonly org: string;
  readonly publicKey: string;
}

function chosenOf(text: string): Chosen {
  const h = readKeyFileHeader(text);
  return { text, id: h.id, org: h.org, publicKey: bytesToHex(h.publicKey) };
}

export function SignIn() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { signInWith } = useSession();
  const [keys, setKeys] = useState<RememberedKey[]>(rememberedKeys);
  const [chosen, setChosen] = useState<Chosen | undefined>(() => {
    const first = rememberedKeys()[0];
    return first === undefined
      ? undefined
      : { text: first.text, id: first.id, org: first.org, publicKey: first.publicKey };
  });
  const [passphrase, setPassphrase] = useState('');
  const [remember, setRemember] = useState(true);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);

  async function submit() {
    if (chosen === undefined) return;
    setError(undefined);
    try {
      setBusy(t('citizen.signIn.opening'));
      const opened = await openKeyFile(chosen.text, passphrase);
      setBusy(t('citizen.signIn.signingIn'));
      const session = await signInWith({
        id: opened.id,
        org: opened.org,
        suite: opened.suite,
        publicKey: opened.publicKey,
        secretKey: opened.secretKey,
      });
      if (remember) rememberKey({ ...chosen, suite: opened.suite });
      setPassphrase('');
      const next = params.get('next');
      const home = session.identity.kind === 'member' ? '/console' : '/me/cases';
      navigate(next?.startsWith('/') && !next.startsWith('//') ? next : home);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <>
      <PageTitle title={t('citizen.signIn.title')} />
      <Card style={{ maxWidth: 640 }}>
        <Typography.Paragraph>{t('citizen.signIn.lead')}</Typography.Paragraph>
        {keys.length > 0 && (
          <List
            header={t('citizen.signIn.remembered')}
            size="small"
            bordered
            style={{ marginBottom: 16 }}
            dataSource={keys}
            renderItem={(k) => (
              <List.Item
                actions={[
                  <Button
                    key="forget"
                    size="small"
                    type="link"
                    onClick={() => {
                      forgetKey(k.publicKey);
                      setKeys(rememberedKeys());
                      if (chosen?.publicKey === k.publicKey) setChosen(undefined);
                    }}
                  >
                    {t('citizen.signIn.forget')}
                  </Button>,
                ]}
              >
                <Button
                  type={chosen?.publicKey === k.publicKey ? 'primary' : 'text'}
                  icon={<KeyOutlined />}
                  onClick={() => setChosen({ text: k.text, id: k.id, org: k.org, publicKey: k.publicKey })}
                >
                  {k.id}
                  {k.org === '' ? '' : ` · ${k.org}`}
                </Button>
              </List.Item>
            )}
          />
        )}
        <Form layout="vertical" onFinish={() => void submit()}>
          <Form.Item label={t('citizen.signIn.keyFile')} required>
            <Space wrap>
              <span data-testid="key-file">
                <Upload
                  accept=".json,application/json"
                  showUploadList={false}
                  beforeUpload={(f) => {
                    void f.text().then((text) => {
                      try {
                        setChosen(chosenOf(text));
                        setError(undefined);
                      } catch (e) {
                        setError(e);
                      }
                    });
                    return false;
                  }}
                >
                  <Button icon={<UploadOutlined />}>{t('citizen.signIn.chooseFile')}</Button>
                </Upload>
              </span>
              {chosen !== undefined && (
                <Typography.Text strong data-testid="chosen-key">
                  <KeyOutlined /> {chosen.id}
                  {chosen.org === '' ? '' : ` · ${chosen.org}`}
                </Typography.Text>
              )}
            </Space>
          </Form.Item>
          <Form.Item
            label={t('citizen.signIn.passphrase')}
            help={t('citizen.signIn.passphraseHelp')}
            required
            htmlFor="passphrase"
          >
            <Input.Password
              id="passphrase"
              data-testid="passphrase"
              autoComplete="current-password"
              value={passphrase}
              onChange={(e) => setPassphrase(e.target.value)}
            />
          </Form.Item>
          <Form.Item>
            <Checkbox checked={remember} onChange={(e) => setRemember(e.target.checked)}>
              {t('citizen.signIn.remember')}
            </Checkbox>
          </Form.Item>
          {error !== undefined && (
            <div style={{ marginBottom: 16 }}>
              <ErrorAlert error={error} />
            </div>
          )}
          <Button
            type="primary"
            htmlType="submit"
            disabled={chosen === undefined || passphrase === ''}
            loading={busy !== undefined}
            data-testid="sign-in-submit"
          >
            {busy ?? t('citizen.signIn.submit')}
          </Button>
        </Form>
      </Card>
    </>
  );
}
