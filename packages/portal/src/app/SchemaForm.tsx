/**
 * Forms from a workflow definition's JSON Schema (PROTOCOL.md §17.3), for the citizen's application and the staff's
 * step forms alike: antd form items with the schema's checks (required, lengths in code points, bounds, pattern, enum),
 * and filled-in forms shown read-only with their titles in the page's language. The node checks every form again
 * (`WORKFLOW_FORM_INVALID`); these checks only tell people early, in their words.
 *
 * Personal fields (`x-personal`) are asked for in one of two ways: an applicant types the person's name and ID number
 * (`personal="identity"`; the values become an encrypted personal record, only its commitment goes on chain), a civil
 * servant gives the number of a record already registered (`personal="record"`).
 */
import type { JsonObject, JsonValue } from '@lianzheng/protocol';
import {
  Button,
  DatePicker,
  Descriptions,
  Form,
  Input,
  InputNumber,
  type FormRule as Rule,
  Select,
  Switch,
  Typography,
} from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { type Label, labelText } from './label.js';

/** A form schema (PROTOCOL.md §17.3): the subset the app renders. */
export interface FormSchema {
  readonly type?: 'object' | 'string' | 'integer' | 'number' | 'boolean' | 'array';
  readonly title?: Label;
  readonly description?: Label;
  readonly properties?: Readonly<Record<string, FormSchema>>;
  readonly required?: readonly string[];
  readonly enum?: readonly JsonValue[];
  readonly const?: JsonValue;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly pattern?: string;
  readonly format?: 'date' | 'hash';
  readonly default?: JsonValue;
  readonly items?: FormSchema;
  readonly 'x-order'?: readonly string[];
  readonly 'x-personal'?: boolean;
  readonly 'x-category'?: string;
}

/** How personal fields are asked for: a person's name and ID number, or a registered record's number. */
export type PersonalInput = 'identity' | 'record';

/** Mainland resident ID numbers: 17 digits and a check character (GB 11643). */
export const ID_NUMBER = /^\d{17}[\dX]$/;

/** A personal field about who someone is (the category `identity`, the default): asked for as name and ID number. */
export function isIdentityField(s: FormSchema): boolean {
  return s['x-personal'] === true && (s['x-category'] === undefined || s['x-category'] === 'identity');
}

export interface SchemaField {
  readonly name: string;
  readonly schema: FormSchema;
  readonly required: boolean;
}

/**
 * The members of an object schema in a sensible order: `x-order` first, then the required ones in the order `required`
 * lists them, then the rest. (A definition comes back from the chain in canonical JSON, members sorted by name, so the
 * order `properties` was written in is lost; `required` is a list and keeps it.)
 */
export function fieldsOf(schema: FormSchema | undefined): SchemaField[] {
  const props = schema?.properties ?? {};
  const order: string[] = [];
  for (const name of [...(schema?.['x-order'] ?? []), ...(schema?.required ?? []), ...Object.keys(props)]) {
    if (Object.hasOwn(props, name) && !order.includes(name)) order.push(name);
  }
  const required = new Set(schema?.required ?? []);
  return order.map((name) => ({ name, schema: props[name] as FormSchema, required: required.has(name) }));
}

/** Whether the console can render a field as an input (strings, numbers, booleans, choices; not lists or objects). */
export function isSupported(field: SchemaField): boolean {
  const s = field.schema;
  if (s.enum !== undefined || s.const !== undefined) return true;
  return s.type === 'string' || s.type === 'integer' || s.type === 'number' || s.type === 'boolean';
}

const codePoints = (s: string) => [...s].length;

/** A date picker's value: a dayjs object; only its formatting is needed here. */
interface DateValue {
  format(template: string): string;
}
const isDateValue = (v: unknown): v is DateValue =>
  typeof v === 'object' && v !== null && typeof (v as { format?: unknown }).format === 'function';

function useRules(personal: PersonalInput): (field: SchemaField) => Rule[] {
  const { t, i18n } = useTranslation();
  return (field) => {
    const s = field.schema;
    const title = labelText(s.title, i18n.language) || field.name;
    const rules: Rule[] = [];
    if (field.required) {
      rules.push({
        validator: async (_, v: unknown) => {
          if (v === undefined || v === null || v === '') throw new Error(t('common.form.required', { field: title }));
        },
      });
    }
    if (s.type === 'string' && s.format !== 'date' && s.enum === undefined) {
      rules.push({
        validator: async (_, v: unknown) => {
          if (typeof v !== 'string' || v === '') return;
          const n = codePoints(v);
          if (s.minLength !== undefined && n < s.minLength)
            throw new Error(t('common.form.minLength', { field: title, n: s.minLength }));
          if (s.maxLength !== undefined && n > s.maxLength)
            throw new Error(t('common.form.maxLength', { field: title, n: s.maxLength }));
          if (s.format === 'hash' && !/^[0-9a-f]{64}$/.test(v))
            throw new Error(t('common.form.hash', { field: title }));
          if (personal === 'record' && s['x-personal'] === true && !/^[0-9a-f]{64}$/.test(v))
            throw new Error(t('common.form.record', { field: title }));
          if (s.pattern !== undefined) {
            let re: RegExp | undefined;
            try {
              re = new RegExp(s.pattern, 'u');
            } catch {
              // A pattern this browser cannot compile: the node still checks it.
            }
            if (re !== undefined && !re.test(v)) throw new Error(t('common.form.pattern', { field: title }));
          }
        },
      });
    }
    if (s.type === 'integer' || s.type === 'number') {
      rules.push({
        validator: async (_, v: unknown) => {
          if (typeof v !== 'number') return;
          if (s.type === 'integer' && !Number.isSafeInteger(v))
            throw new Error(t('common.form.integer', { field: title }));
          if (s.minimum !== undefined && v < s.minimum)
            throw new Error(t('common.form.minimum', { field: title, value: s.minimum }));
          if (s.maximum !== undefined && v > s.maximum)
            throw new Error(t('common.form.maximum', { field: title, value: s.maximum }));
        },
      });
    }
    return rules;
  };
}

/** What `Form.Item` hands its control: the value, the change handler, the id its label points to. */
interface ControlProps {
  readonly id?: string;
  readonly value?: unknown;
  readonly checked?: boolean;
  readonly onChange?: (...args: never[]) => void;
}

/** The control for one field; `Form.Item` passes value and onChange through `control`, which must reach the input. */
function FieldInput({
  field,
  title,
  disabled,
  ...control
}: ControlProps & { field: SchemaField; title: string; disabled: boolean }) {
  const s = field.schema;
  // Typed loosely on purpose: each antd control declares its own value and handler types; Form.Item fills them.
  const p = { ...control, 'aria-label': title, disabled } as Record<string, unknown>;
  if (s.const !== undefined) return <Input value={String(s.const)} disabled aria-label={title} />;
  if (s.enum !== undefined) {
    return (
      <Select
        {...p}
        allowClear={!field.required}
        options={s.enum.map((v) => ({ value: v as string | number, label: String(v) }))}
      />
    );
  }
  if (s.type === 'boolean') return <Switch {...p} />;
  if (s.type === 'integer' || s.type === 'number') {
    return (
      <InputNumber
        {...p}
        style={{ width: 240, maxWidth: '100%' }}
        {...(s.type === 'integer' ? { precision: 0 } : {})}
        {...(s.minimum === undefined ? {} : { min: s.minimum })}
        {...(s.maximum === undefined ? {} : { max: s.maximum })}
      />
    );
  }
  if (s.format === 'date') return <DatePicker {...p} />;
  if ((s.maxLength ?? 0) > 120) return <Input.TextArea {...p} autoSize={{ minRows: 3, maxRows: 10 }} />;
  return <Input {...p} />;
}

/** A person's identity, asked for as name and ID number; the pair becomes a personal record when submitted. */
function IdentityItems({
  field,
  title,
  testId,
  disabled,
}: {
  readonly field: SchemaField;
  readonly title: string;
  readonly testId: string;
  readonly disabled: boolean;
}) {
  const { t } = useTranslation();
  const required = field.required ? [{ required: true, message: t('common.form.required', { field: title }) }] : [];
  return (
    <fieldset data-testid={testId} style={{ border: 0, padding: 0, margin: 0 }}>
      {/* Ant Design's reset draws a legend grey and underlined, like a fieldset's caption of old: plain text here. */}
      <legend style={{ border: 0, color: 'inherit', fontWeight: 600, fontSize: 14, marginBottom: 4, width: 'auto' }}>
        {title}
      </legend>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        {t('common.form.personal')}
      </Typography.Paragraph>
      <Form.Item name={[field.name, 'name']} label={t('common.form.personName')} rules={required}>
        <Input maxLength={50} autoComplete="off" disabled={disabled} />
      </Form.Item>
      <Form.Item
        name={[field.name, 'idNumber']}
        label={t('common.form.idNumber')}
        rules={[...required, { pattern: ID_NUMBER, message: t('common.form.idNumberBad') }]}
      >
        <Input maxLength={18} autoComplete="off" disabled={disabled} />
      </Form.Item>
    </fieldset>
  );
}

/** The inputs of a form schema's supported fields, for an antd `Form` the caller owns. */
export function SchemaFormItems({
  schema,
  prefix,
  personal = 'record',
  disabled = false,
}: {
  readonly schema: FormSchema | undefined;
  /** Test ids: `${prefix}-${field}`. */
  readonly prefix: string;
  readonly personal?: PersonalInput;
  readonly disabled?: boolean;
}) {
  const { i18n } = useTranslation();
  const rules = useRules(personal);
  return (
    <>
      {fieldsOf(schema)
        .filter(isSupported)
        .map((field) => {
          const title = labelText(field.schema.title, i18n.language) || field.name;
          const description = labelText(field.schema.description, i18n.language);
          if (personal === 'identity' && isIdentityField(field.schema)) {
            return (
              <IdentityItems
                key={field.name}
                field={field}
                title={title}
                testId={`${prefix}-${field.name}`}
                disabled={disabled}
              />
            );
          }
          return (
            <Form.Item
              key={field.name}
              name={field.name}
              label={title}
              required={field.required}
              rules={rules(field)}
              data-testid={`${prefix}-${field.name}`}
              {...(description === '' ? {} : { extra: description })}
              {...(field.schema.type === 'boolean' ? { valuePropName: 'checked' } : {})}
              {...(field.schema.default === undefined ? {} : { initialValue: field.schema.default })}
            >
              <FieldInput field={field} title={title} disabled={disabled} />
            </Form.Item>
          );
        })}
    </>
  );
}

/**
 * The form's values as the contract takes them: blanks left out, dates as `YYYY-MM-DD`, constants filled in (identity
 * fields stay `{name, idNumber}` pairs, for `registerFormPersonal` to turn into records).
 */
export function formValuesToJson(schema: FormSchema | undefined, values: Record<string, unknown>): JsonObject {
  const out: Record<string, JsonValue> = {};
  for (const field of fieldsOf(schema).filter(isSupported)) {
    if (field.schema.const !== undefined) {
      out[field.name] = field.schema.const;
      continue;
    }
    const v = values[field.name];
    if (v === undefined || v === null || v === '') continue;
    if (isDateValue(v)) out[field.name] = v.format('YYYY-MM-DD');
    else if (typeof v === 'object' && !Array.isArray(v)) {
      // An identity pair: its filled-in members, or nothing when both were left blank.
      const pair = Object.entries(v).filter(([, x]) => typeof x === 'string' && x !== '');
      if (pair.length > 0) out[field.name] = Object.fromEntries(pair) as JsonObject;
    } else out[field.name] = v as JsonValue;
  }
  return out;
}

function plainValue(v: JsonValue, yes: string, no: string): ReactNode {
  if (typeof v === 'boolean') return v ? yes : no;
  // Amounts grouped (5,000,000); small numbers such as years as written (2027, not 2,027).
  if (typeof v === 'number') return Math.abs(v) >= 10_000 ? v.toLocaleString() : String(v);
  if (typeof v === 'string') return <span style={{ whiteSpace: 'pre-wrap' }}>{v}</span>;
  if (v === null) return '—';
  return <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{JSON.stringify(v, null, 2)}</pre>;
}

/** A filled-in form, read-only: each field's title in the page's language and its value (personal ones by `personal`). */
export function FormValues({
  schema,
  values,
  personal,
  testId,
}: {
  readonly schema: FormSchema | undefined;
  readonly values: JsonObject;
  readonly personal?: (field: SchemaField, value: JsonValue) => ReactNode;
  readonly testId?: string;
}) {
  const { t, i18n } = useTranslation();
  const fields = fieldsOf(schema);
  // Members the schema does not describe (an older version's form, say) are shown by name rather than hidden.
  const extra = Object.keys(values).filter((k) => !fields.some((f) => f.name === k));
  const shown = [
    ...fields.filter((f) => Object.hasOwn(values, f.name) || f.required),
    ...extra.map((name): SchemaField => ({ name, schema: {}, required: false })),
  ];
  if (shown.length === 0) return <Typography.Text type="secondary">{t('common.form.noFields')}</Typography.Text>;
  return (
    <Descriptions column={1} bordered size="small" {...(testId === undefined ? {} : { 'data-testid': testId })}>
      {shown.map((field) => {
        const v = values[field.name];
        return (
          <Descriptions.Item key={field.name} label={labelText(field.schema.title, i18n.language) || field.name}>
            <span data-testid={`value-${field.name}`}>
              {v === undefined
                ? '—'
                : field.schema['x-personal'] === true && personal !== undefined
                  ? personal(field, v)
                  : plainValue(v, t('common.yes'), t('common.no'))}
            </span>
          </Descriptions.Item>
        );
      })}
    </Descriptions>
  );
}

/** A whole application form: the schema's fields (personal ones as name and ID number) and a submit button. */
export function SchemaForm({
  schema,
  submitText,
  busy = false,
  onSubmit,
  testId,
}: {
  readonly schema: FormSchema;
  readonly submitText: string;
  readonly busy?: boolean;
  readonly onSubmit: (values: JsonObject) => void;
  readonly testId?: string;
}) {
  return (
    <Form
      layout="vertical"
      onFinish={(v: Record<string, unknown>) => onSubmit(formValuesToJson(schema, v))}
      scrollToFirstError
      {...(testId === undefined ? {} : { 'data-testid': testId })}
    >
      <SchemaFormItems schema={schema} prefix="field" personal="identity" disabled={busy} />
      <Button type="primary" htmlType="submit" loading={busy}>
        {submitText}
      </Button>
    </Form>
  );
}
