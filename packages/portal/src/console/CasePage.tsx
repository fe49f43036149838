import { ArrowLeftOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import type { CaseStatus, CaseView, CaseHistoryEntry as HistoryEntry, JsonObject } from '@lianzheng/protocol';
import { actOnCaseTx, getCase, getWorkflow } from '@lianzheng/sdk';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Form,
  Input,
  List,
  Row,
  Space,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { client } from '../app/node.js';
import { FormValues, fieldsOf, formValuesToJson, isSupported, SchemaFormItems } from '../app/SchemaForm.js';
import { submitCall } from '../app/tx.js';
import { ErrorAlert, Hash, LoadView, TimeText, useLoad } from '../app/ui.js';
import { AttachmentPicker, type HashedFile } from './AttachmentPicker.js';
import { ConsolePage, useStaffSession } from './ConsoleLayout.js';
import { ActorName, Deadline, Pseudonym } from './format.js';
import type { ActedState } from './Inbox.js';
import { PersonalField } from './PersonalRead.js';
import { labelText, type StepAction, type WorkflowDefinition } from './views.js';

/** What an action does: moves on, sends the case back to an earlier step, or decides it (approve or reject). */
export type ActionKind = 'forward' | 'return' | 'approve' | 'reject';

/** Steps by distance from the start, following the actions that lead to steps. */
function stepDepths(def: WorkflowDefinition): Map<string, number> {
  const depth = new Map<string, number>([[def.start, 0]]);
  const queue = [def.start];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    for (const a of Object.values(def.steps[id]?.actions ?? {})) {
      if (!a.to.startsWith('@') && !depth.has(a.to)) {
        depth.set(a.to, (depth.get(id) ?? 0) + 1);
        queue.push(a.to);
      }
    }
  }
  return depth;
}

export function actionKind(def: WorkflowDefinition, step: string, action: StepAction): ActionKind {
  if (action.to.startsWith('@')) {
    return def.outcomes[action.to.slice(1)]?.status === 'rejected' ? 'reject' : 'approve';
  }
  const depths = stepDepths(def);
  return (depths.get(action.to) ?? 0) <= (depths.get(step) ?? 0) ? 'return' : 'forward';
}

const STATUS_COLOURS: Record<CaseStatus, string> = {
  open: 'processing',
  approved: 'success',
  rejected: 'error',
  withdrawn: 'default',
};

const HISTORY_COLOURS: Record<ActionKind | 'other', string> = {
  forward: 'green',
  approve: 'green',
  return: 'orange',
  reject: 'red',
  other: 'blue',
};

function History({ c, def }: { readonly c: CaseView; readonly def: WorkflowDefinition }) {
  const { t, i18n } = useTranslation();
  const stepTitle = (id: string | undefined) =>
    id === undefined ? '' : labelText(def.steps[id]?.title, i18n.language) || id;
  const describe = (h: HistoryEntry): { label: string; kind: ActionKind | 'other' } => {
    if (h.action === 'submitted' || h.action === 'withdrawn' || h.action === 'countersigned') {
      return { label: t(`console.history.${h.action}`), kind: h.action === 'withdrawn' ? 'reject' : 'other' };
    }
    const action = h.step === undefined ? undefined : def.steps[h.step]?.actions[h.action];
    if (action === undefined || h.step === undefined) return { label: h.action, kind: 'other' };
    const kind = actionKind(def, h.step, action);
    return { label: labelText(action.title, i18n.language) || t(`console.action.${kind}`), kind };
  };
  const destination = (to: string | undefined) => {
    if (to === undefined) return '';
    if (to.startsWith('@')) {
      return t('console.history.toOutcome', { outcome: labelText(def.outcomes[to.slice(1)]?.title, i18n.language) });
    }
    return t('console.history.toStep', { step: stepTitle(to) });
  };
  return (
    <Timeline
      data-testid="case-history"
      items={c.history.map((h) => {
        const d = describe(h);
        return {
          color: HISTORY_COLOURS[d.kind],
          content: (
            <Space direction="vertical" size={2}>
              <span>
                <Typography.Text strong>{d.label}</Typography.Text>
                {h.step !== undefined && <Typography.Text type="secondary"> · {stepTitle(h.step)}</Typography.Text>}
                {h.party !== undefined && <Tag style={{ marginInlineStart: 8 }}>{h.party}</Tag>}
                {h.late === true && (
                  <Tag color="red" style={{ marginInlineStart: 8 }}>
                    {t('console.history.late')}
                  </Tag>
                )}
              </span>
              <Typography.Text type="secondary">
                <TimeText ms={h.time} /> · <ActorName actor={h.actor} />
              </Typography.Text>
              {h.to !== undefined && <span>{destination(h.to)}</span>}
              {h.comment !== undefined && h.comment !== '' && (
                <Typography.Text>
                  {t('console.history.comment')}: {h.comment}
                </Typography.Text>
              )}
              {(h.attachments ?? []).map((a) => (
                <span key={a.hash}>
                  {a.name} <Hash value={a.hash} />
                </span>
              ))}
              <Link to={`/explorer/tx/${h.tx}`} style={{ fontSize: 12 }}>
                {t('console.history.tx', { height: h.height })}
              </Link>
            </Space>
          ),
        };
      })}
    />
  );
}

/** The current step's form, comment and actions, for the member whose task it is. */
function ActPanel({ c, def }: { readonly c: CaseView; readonly def: WorkflowDefinition }) {
  const { t, i18n } = useTranslation();
  const { modal } = App.useApp();
  const session = useStaffSession();
  const navigate = useNavigate();
  const [form] = Form.useForm();
  const [comment, setComment] = useState('');
  const [commentMissing, setCommentMissing] = useState(false);
  const [attachments, setAttachments] = useState<readonly HashedFile[]>([]);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const stepId = c.task?.step ?? c.step ?? '';
  const step = def.steps[stepId];
  if (step === undefined) return null;
  const schema = step.form;
  const unsupported = fieldsOf(schema).filter((f) => !isSupported(f));
  const blocked = unsupported.some((f) => f.required);

  async function submit(name: string, stepForm: JsonObject | undefined) {
    setBusy(name);
    setError(undefined);
    try {
      const done = await submitCall(
        session,
        actOnCaseTx({
          case: c.id,
          action: name,
          ...(stepForm === undefined ? {} : { form: stepForm }),
          ...(comment.trim() === '' ? {} : { comment: comment.trim() }),
          ...(attachments.length === 0
            ? {}
            : { attachments: attachments.map((a) => ({ name: a.name, hash: a.hash, size: a.size })) }),
          ...(c.task?.party === undefined ? {} : { party: c.task.party }),
        }),
      );
      const r = done.result as { status: CaseStatus; step?: string; outcome?: string };
      const stepTitle = r.step === undefined ? undefined : def.steps[r.step]?.title;
      const outcomeTitle = r.outcome === undefined ? undefined : def.outcomes[r.outcome]?.title;
      const state: ActedState = {
        acted: {
          case: c.id,
          status: r.status,
          ...(stepTitle === undefined ? {} : { stepTitle }),
          ...(outcomeTitle === undefined ? {} : { outcomeTitle }),
        },
      };
      navigate('/console', { state });
    } catch (e) {
      // Shown on the page (a confirmation dialog closes either way).
      setError(e);
      setBusy(undefined);
    }
  }

  async function act(name: string, action: StepAction) {
    const kind = actionKind(def, stepId, action);
    let stepForm: JsonObject | undefined;
    // A rejection needs no form (the contract checks one only if given); the reason goes in the comment.
    if (kind !== 'reject' && fieldsOf(schema).length > 0) {
      try {
        stepForm = formValuesToJson(schema, await form.validateFields());
      } catch {
        return;
      }
    }
    if (action.commentRequired === true && comment.trim() === '') {
      setCommentMissing(true);
      document.getElementById('case-comment')?.focus();
      return;
    }
    const title = labelText(action.title, i18n.language) || t(`console.action.${kind}`);
    if (kind === 'reject' || kind === 'approve') {
      modal.confirm({
        title: t(`console.act.confirm.${kind}Title`, { action: title }),
        content: t(`console.act.confirm.${kind}Text`),
        okText: title,
        cancelText: t('common.cancel'),
        okButtonProps: { danger: kind === 'reject', 'data-testid': 'confirm-ok' },
        onOk: () => submit(name, stepForm),
      });
      return;
    }
    await submit(name, stepForm);
  }

  const actions = Object.entries(step.actions);
  return (
    <Card title={t('console.act.title', { step: labelText(step.title, i18n.language) })} data-testid="act-panel">
      {c.task?.party !== undefined && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('console.act.party', { party: c.task.party })}
        />
      )}
      <Form form={form} layout="vertical" requiredMark>
        <SchemaFormItems schema={schema} prefix="step" disabled={busy !== undefined} />
        {unsupported.length > 0 && (
          <Alert
            type={blocked ? 'error' : 'warning'}
            showIcon
            style={{ marginBottom: 16 }}
            title={t('console.act.unsupported', { fields: unsupported.map((f) => f.name).join(', ') })}
          />
        )}
        <Form.Item
          label={t('console.act.comment')}
          htmlFor="case-comment"
          extra={t('console.act.commentHelp')}
          {...(commentMissing ? { validateStatus: 'error' as const, help: t('console.act.commentRequired') } : {})}
        >
          <Input.TextArea
            id="case-comment"
            data-testid="case-comment"
            value={comment}
            maxLength={1000}
            autoSize={{ minRows: 2, maxRows: 6 }}
            onChange={(e) => {
              setComment(e.target.value);
              setCommentMissing(false);
            }}
          />
        </Form.Item>
        <Form.Item label={t('console.act.attachments')}>
          <AttachmentPicker alg="sha256" value={attachments} onChange={setAttachments} max={20} testId="case-attach" />
        </Form.Item>
      </Form>
      {error !== undefined && (
        <div style={{ marginBottom: 16 }}>
          <ErrorAlert error={error} />
        </div>
      )}
      <Space wrap>
        {actions.map(([name, action]) => {
          const kind = actionKind(def, stepId, action);
          return (
            <Button
              key={name}
              type={kind === 'forward' || kind === 'approve' ? 'primary' : 'default'}
              danger={kind === 'reject'}
              disabled={(blocked && kind !== 'reject') || (busy !== undefined && busy !== name)}
              loading={busy === name}
              onClick={() => void act(name, action)}
              data-testid={`action-${name}`}
            >
              {labelText(action.title, i18n.language) || t(`console.action.${kind}`)}
            </Button>
          );
        })}
      </Space>
    </Card>
  );
}

function CaseBody({ id }: { readonly id: string }) {
  const { t, i18n } = useTranslation();
  const session = useStaffSession();
  const loaded = useLoad(async () => {
    const c = (await getCase(session.client, id)) as unknown as CaseView;
    const def = (await getWorkflow(client, c.workflow, c.version)) as unknown as WorkflowDefinition;
    return { c, def };
  }, [id, session]);
  const now = Date.now();
  return (
    <LoadView loaded={loaded}>
      {({ c, def }) => {
        const stepTitle = c.step === undefined ? '' : labelText(def.steps[c.step]?.title, i18n.language) || c.step;
        const outcome = c.outcome === undefined ? undefined : def.outcomes[c.outcome];
        // Steps in the order a case goes through them (the record's members come sorted by name).
        const depths = stepDepths(def);
        const issuesLicence =
          c.status === 'approved' && (outcome as { credential?: unknown })?.credential !== undefined;
        return (
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Card>
              <Descriptions column={{ xs: 1, md: 2 }} size="small" data-testid="case-summary">
                <Descriptions.Item label={t('console.case.workflow')}>
                  {labelText(def.title, i18n.language)}
                </Descriptions.Item>
                <Descriptions.Item label={t('console.case.id')}>
                  <Hash value={c.id} />
                </Descriptions.Item>
                <Descriptions.Item label={t('common.status')}>
                  <Space size={8} wrap>
                    <Tag color={STATUS_COLOURS[c.status]} data-testid="case-status">
                      {t(`console.status.${c.status}`)}
                    </Tag>
                    {outcome !== undefined && <span>{labelText(outcome.title, i18n.language)}</span>}
                  </Space>
                </Descriptions.Item>
                <Descriptions.Item label={t('console.case.step')}>{stepTitle || '—'}</Descriptions.Item>
                <Descriptions.Item label={t('console.case.applicant')}>
                  <ActorName actor={c.applicant} />
                </Descriptions.Item>
                <Descriptions.Item label={t('console.case.submitted')}>
                  <TimeText ms={c.createdAt} />
                </Descriptions.Item>
                {c.status === 'open' && (
                  <Descriptions.Item label={t('console.case.stepDeadline')}>
                    <Deadline at={c.deadlineAt} now={now} />
                  </Descriptions.Item>
                )}
                {c.status === 'open' && (
                  <Descriptions.Item label={t('console.case.caseDeadline')}>
                    <Deadline at={c.caseDeadlineAt} now={now} />
                  </Descriptions.Item>
                )}
                {c.breached.length > 0 && (
                  <Descriptions.Item label={t('console.case.breached')}>
                    {c.breached.map((b) => (
                      <Tag key={b} color="red">
                        {b === '@case' ? t('console.case.wholeCase') : labelText(def.steps[b]?.title, i18n.language)}
                      </Tag>
                    ))}
                  </Descriptions.Item>
                )}
              </Descriptions>
              {issuesLicence && (
                <Link to={`/console/licences?case=${c.id}`} data-testid="case-licence">
                  <SafetyCertificateOutlined /> {t('console.case.licence')}
                </Link>
              )}
            </Card>
            {c.status === 'open' && c.task === undefined && (
              <Alert type="info" showIcon title={t('console.case.notYourTask', { step: stepTitle })} />
            )}
            <Row gutter={[16, 16]}>
              <Col xs={24} lg={14}>
                <Space direction="vertical" size="middle" style={{ width: '100%' }}>
                  <Card title={labelText(def.form.title, i18n.language) || t('console.case.form')}>
                    <FormValues
                      schema={def.form}
                      values={c.form}
                      testId="case-form"
                      personal={(field, value) => (
                        <PersonalField
                          record={String(value)}
                          caseId={c.id}
                          category={field.schema['x-category']}
                          fieldTitle={labelText(field.schema.title, i18n.language) || field.name}
                          testId={field.name}
                        />
                      )}
                    />
                  </Card>
                  <Card title={t('console.case.attachments')}>
                    {c.attachments.length === 0 ? (
                      <Typography.Text type="secondary">{t('console.case.noAttachments')}</Typography.Text>
                    ) : (
                      <List
                        size="small"
                        dataSource={[...c.attachments]}
                        renderItem={(a) => (
                          <List.Item>
                            <Space wrap>
                              <span>{a.name}</span>
                              {a.size !== undefined && (
                                <Typography.Text type="secondary">{a.size.toLocaleString()} B</Typography.Text>
                              )}
                              <span>
                                SHA-256 <Hash value={a.hash} />
                              </span>
                            </Space>
                          </List.Item>
                        )}
                      />
                    )}
                  </Card>
                  {Object.keys(c.steps).length > 0 && (
                    <Card title={t('console.case.stepForms')}>
                      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
                        {Object.entries(c.steps)
                          .sort(([a], [b]) => (depths.get(a) ?? 0) - (depths.get(b) ?? 0))
                          .map(([s, values]) => (
                            <div key={s}>
                              <Typography.Title level={5}>
                                {labelText(def.steps[s]?.title, i18n.language) || s}
                              </Typography.Title>
                              <FormValues schema={def.steps[s]?.form} values={values} />
                            </div>
                          ))}
                      </Space>
                    </Card>
                  )}
                  {c.task !== undefined && <ActPanel c={c} def={def} />}
                </Space>
              </Col>
              <Col xs={24} lg={10}>
                <Card title={t('console.case.history')}>
                  {c.history.length === 0 ? <Empty /> : <History c={c} def={def} />}
                </Card>
                {c.applicant.subject !== undefined && (
                  <Typography.Paragraph type="secondary" style={{ marginTop: 12, fontSize: 12 }}>
                    {t('console.case.pseudonymNote')} <Pseudonym value={c.applicant.subject} />
                  </Typography.Paragraph>
                )}
              </Col>
            </Row>
          </Space>
        );
      }}
    </LoadView>
  );
}

export function CasePage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  return (
    <ConsolePage
      title={t('console.case.title')}
      extra={
        <Link to="/console">
          <ArrowLeftOutlined /> {t('console.case.back')}
        </Link>
      }
    >
      <CaseBody id={id} />
    </ConsolePage>
  );
}
