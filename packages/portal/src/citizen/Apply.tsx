import type { JsonObject } from '@lianzheng/protocol';
import { getWorkflow, registerFormPersonal } from '@lianzheng/sdk';
import { Alert, Card, Result, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useLabel } from '../app/label.js';
import { client, trustAnchor } from '../app/node.js';
import { type FormSchema, SchemaForm } from '../app/SchemaForm.js';
import { type Session, useSession } from '../app/session.js';
import { submitCall } from '../app/tx.js';
import { ErrorAlert, Hash, LinkButton, LoadView, PageTitle, RequireSession, useLoad } from '../app/ui.js';

interface Definition {
  readonly id: string;
  readonly version: number;
  readonly owner: string;
  readonly title?: { zh?: string; en?: string };
  readonly description?: { zh?: string; en?: string };
  readonly form: FormSchema & JsonObject;
  readonly steps?: JsonObject;
  readonly applicant?: { any?: { kind?: string }[]; kind?: string };
}

/** Whether the definition's applicant rule names this kind (the node checks the full rule). */
function allows(def: Definition, kind: string): boolean {
  const a = def.applicant;
  if (a === undefined) return true;
  if (a.kind !== undefined) return a.kind === kind;
  if (a.any !== undefined) return a.any.some((x) => x.kind === undefined || x.kind === kind);
  return true;
}

async function apply(
  session: Session,
  def: Definition,
  values: JsonObject,
  progress: (s: string) => void,
  t: (k: string) => string,
) {
  const { chainId } = await trustAnchor();
  const subject = session.identity.subject;
  if (subject === undefined) throw new Error('only citizens and enterprises apply');
  progress(t('citizen.applyPage.registering'));
  const { form } = await registerFormPersonal(
    session.client,
    { suite: session.suite, chainId, publicKey: session.key.publicKey, sign: session.signer },
    { definition: def, form: values, subject },
  );
  progress(t('citizen.applyPage.submitting'));
  const r = await submitCall(session, { contract: 'workflow', method: 'submit', args: { workflow: def.id, form } });
  return (r.result as { case: string }).case;
}

export function Apply() {
  const { t } = useTranslation();
  const label = useLabel();
  const { workflow = '' } = useParams();
  const { session } = useSession();
  const def = useLoad(() => getWorkflow(client, workflow) as Promise<unknown> as Promise<Definition>, [workflow]);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  return (
    <RequireSession>
      <LoadView loaded={def}>
        {(d) => (
          <>
            <PageTitle title={t('citizen.applyPage.title', { name: label(d.title, d.id) })} />
            <Typography.Paragraph style={{ maxWidth: 760 }}>{label(d.description)}</Typography.Paragraph>
            {done !== undefined ? (
              <Result
                status="success"
                title={<span data-testid="applied">{t('citizen.applyPage.done', { id: done.slice(0, 12) })}</span>}
                subTitle={<Hash value={done} full />}
                extra={
                  <LinkButton type="primary" to="/me/cases">
                    {t('citizen.applyPage.toCases')}
                  </LinkButton>
                }
              />
            ) : session !== undefined && !allows(d, session.identity.kind) ? (
              <Alert type="warning" showIcon title={t('citizen.applyPage.notAllowed')} />
            ) : (
              <Card style={{ maxWidth: 760 }}>
                <Typography.Paragraph type="secondary">{t('citizen.applyPage.lead')}</Typography.Paragraph>
                {error !== undefined && (
                  <div style={{ marginBottom: 16 }}>
                    <ErrorAlert error={error} />
                  </div>
                )}
                <SchemaForm
                  schema={d.form}
                  testId="apply-form"
                  submitText={busy ?? t('citizen.applyPage.submit')}
                  busy={busy !== undefined}
                  onSubmit={(values) => {
                    if (session === undefined) return;
                    setError(undefined);
                    apply(session, d, values, setBusy, t)
                      .then(setDone, setError)
                      .finally(() => setBusy(undefined));
                  }}
                />
              </Card>
            )}
          </>
        )}
      </LoadView>
    </RequireSession>
  );
}
