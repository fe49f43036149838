/**
 * Forms from a workflow definition's JSON Schema (PROTOCOL.md §17.3): a step's form as antd form items with the
 * schema's checks (required, lengths in code points, bounds, pattern, enum), and filled-in forms shown read-only with
 * their titles in the page's language. The node checks every form again (`WORKFLOW_FORM_INVALID`); these checks only
 * tell people early, in their words.
 */
import type { JsonObject, JsonValue } from '@lianzheng/protocol';
import {
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
import { type FormSchema, labelText } from './views.js';

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

function useRules(): (field: SchemaField) => Rule[] {
  const { t, i18n } = useTranslation();
  return (field) => {
    const s = field.schema;
    const title = labelText(s.title, i18n.language) || field.name;
    const rules: Rule[] = [];
    if (field.required) {
      rules.push({
        validator: async (_, v: unknown) => {
          if (v === undefined || v === null || v === '') throw new Error(t('console.form.required', { field: title }));
        },
      });
    }
    if (s.type === 'string' && s.format !== 'date' && s.enum === undefined) {
      rules.push({
        validator: async (_, v: unknown) => {
          if (typeof v !== 'string' || v === '') return;
          const n = codePoints(v);
          if (s.minLength !== undefined && n < s.minLength)
            throw new Error(t('console.form.minLength', { field: title, n: s.minLength }));
          if (s.maxLength !== undefined && n > s.maxLength)
            throw new Error(t('console.form.maxLength', { field: title, n: s.maxLength }));
          if (s.format === 'hash' && !/^[0-9a-f]{64}$/.test(v))
            throw new Error(t('console.form.hash', { field: title }));
          if (s['x-personal'] === true && !/^[0-9a-f]{64}$/.test(v))
            throw new Error(t('console.form.record', { field: title }));
          if (s.pattern !== undefined) {
            let re: RegExp | undefined;
            try {
              re = new RegExp(s.pattern, 'u');
            } catch {
              // A pattern this browser cannot compile: the node still checks it.
            }
            if (re !== undefined && !re.test(v)) throw new Error(t('console.form.pattern', { field: title }));
          }
        },
      });
    }
    if (s.type === 'integer' || s.type === 'number') {
      rules.push({
        validator: async (_, v: unknown) => {
          if (typeof v !== 'number') return;
          if (s.type === 'integer' && !Number.isSafeInteger(v))
            throw new Error(t('console.form.integer', { field: title }));
          if (s.minimum !== undefined && v < s.minimum)
            throw new Error(t('console.form.minimum', { field: title, value: s.minimum }));
          if (s.maximum !== undefined && v > s.maximum)
            throw new Error(t('console.form.maximum', { field: title, value: s.maximum }));
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

/** The inputs of a form schema's supported fields, for an antd `Form` the caller owns. */
export function SchemaFormItems({
  schema,
  prefix,
  disabled = false,
}: {
  readonly schema: FormSchema | undefined;
  /** Test ids: `${prefix}-${field}`. */
  readonly prefix: string;
  readonly disabled?: boolean;
}) {
  const { i18n } = useTranslation();
  const rules = useRules();
  return (
    <>
      {fieldsOf(schema)
        .filter(isSupported)
        .map((field) => {
          const title = labelText(field.schema.title, i18n.language) || field.name;
          const description = labelText(field.schema.description, i18n.language);
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

/** The form's values as the contract takes them: blanks left out, dates as `YYYY-MM-DD`, constants filled in. */
export function formValuesToJson(schema: FormSchema | undefined, values: Record<string, unknown>): JsonObject {
  const out: Record<string, JsonValue> = {};
  for (const field of fieldsOf(schema).filter(isSupported)) {
    if (field.schema.const !== undefined) {
      out[field.name] = field.schema.const;
      continue;
    }
    const v = values[field.name];
    if (v === undefined || v === null || v === '') continue;
    out[field.name] = isDateValue(v) ? v.format('YYYY-MM-DD') : (v as JsonValue);
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
  if (shown.length === 0) return <Typography.Text type="secondary">{t('console.case.noFields')}</Typography.Text>;
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
