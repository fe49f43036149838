/**
 * A form drawn from a workflow's JSON Schema (the subset the workflow engine accepts: an object of string, integer,
 * number and boolean fields, enums, with required, length, range and pattern rules). Personal fields (`x-personal`) of
 * category `identity` ask for a person's name and ID number; their values become a personal record, never plain text on
 * chain.
 */
import type { JsonObject, JsonValue } from '@lianzheng/protocol';
import { Button, Form, Input, InputNumber, Select, Switch, Typography } from 'antd';
import type { Rule } from 'antd/es/form/index.js';
import { useTranslation } from 'react-i18next';
import { type Label, useLabel } from './label.js';

interface FieldSchema {
  readonly type?: string;
  readonly title?: Label;
  readonly description?: Label;
  readonly enum?: readonly JsonValue[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly pattern?: string;
  readonly 'x-personal'?: boolean;
  readonly 'x-category'?: string;
}

/** Mainland resident ID numbers: 17 digits and a check character (GB 11643). */
export const ID_NUMBER = /^\d{17}[\dX]$/;

export function isIdentityField(s: FieldSchema): boolean {
  return s['x-personal'] === true && (s['x-category'] === undefined || s['x-category'] === 'identity');
}

/**
 * Fields in a sensible order: definitions on chain are canonical JSON, whose object keys are sorted, but `required`
 * is an array and keeps the author's order — so required fields come first, as written, then the others.
 */
function ordered(props: Record<string, FieldSchema>, required: readonly string[]): [string, FieldSchema][] {
  const first = required.filter((n) => Object.hasOwn(props, n));
  const rest = Object.keys(props).filter((n) => !first.includes(n));
  return [...first, ...rest].map((n) => [n, props[n]!]);
}

export interface SchemaFormProps {
  readonly schema: JsonObject;
  readonly submitText: string;
  readonly busy?: boolean;
  readonly onSubmit: (values: JsonObject) => void;
  readonly testId?: string;
}

export function SchemaForm({ schema, submitText, busy = false, onSubmit, testId }: SchemaFormProps) {
  const { t } = useTranslation();
  const label = useLabel();
  const props = (schema.properties ?? {}) as Record<string, FieldSchema>;
  const required = new Set((schema.required ?? []) as string[]);

  function rules(name: string, s: FieldSchema): Rule[] {
    const out: Rule[] = [];
    if (required.has(name)) out.push({ required: true, message: t('common.form.required') });
    if (s.type === 'string') {
      if (s.minLength !== undefined)
        out.push({ min: s.minLength, message: t('common.form.minLength', { n: s.minLength }) });
      if (s.maxLength !== undefined)
        out.push({ max: s.maxLength, message: t('common.form.maxLength', { n: s.maxLength }) });
      if (s.pattern !== undefined) out.push({ pattern: new RegExp(s.pattern, 'u'), message: t('common.form.pattern') });
    }
    return out;
  }

  function field(name: string, s: FieldSchema) {
    const title = label(s.title, name);
    const help = s.description === undefined ? undefined : label(s.description);
    if (isIdentityField(s)) {
      return (
        <div key={name} data-testid={`field-${name}`}>
          <Typography.Text strong>{title}</Typography.Text>
          <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
            {t('common.form.personal')}
          </Typography.Paragraph>
          <Form.Item
            name={[name, 'name']}
            label={t('common.form.personName')}
            rules={required.has(name) ? [{ required: true, message: t('common.form.required') }] : []}
          >
            <Input maxLength={50} autoComplete="off" />
          </Form.Item>
          <Form.Item
            name={[name, 'idNumber']}
            label={t('common.form.idNumber')}
            rules={[
              ...(required.has(name) ? [{ required: true, message: t('common.form.required') }] : []),
              { pattern: ID_NUMBER, message: t('common.form.idNumberBad') },
            ]}
          >
            <Input maxLength={18} autoComplete="off" />
          </Form.Item>
        </div>
      );
    }
    let input: React.ReactNode;
    if (s.enum !== undefined) {
      input = <Select options={s.enum.map((v) => ({ value: v as string | number, label: String(v) }))} />;
    } else if (s.type === 'integer' || s.type === 'number') {
      input = (
        <InputNumber
          style={{ width: '100%' }}
          {...(s.minimum === undefined ? {} : { min: s.minimum })}
          {...(s.maximum === undefined ? {} : { max: s.maximum })}
          {...(s.type === 'integer' ? { precision: 0 } : {})}
        />
      );
    } else if (s.type === 'boolean') {
      input = <Switch />;
    } else if ((s.maxLength ?? 0) > 120) {
      input = <Input.TextArea rows={3} maxLength={s.maxLength} showCount />;
    } else {
      input = <Input maxLength={s.maxLength} />;
    }
    return (
      <Form.Item
        key={name}
        name={name}
        label={title}
        help={help}
        rules={rules(name, s)}
        valuePropName={s.type === 'boolean' ? 'checked' : 'value'}
        data-testid={`field-${name}`}
      >
        {input}
      </Form.Item>
    );
  }

  return (
    <Form layout="vertical" onFinish={(v) => onSubmit(v as JsonObject)} data-testid={testId} scrollToFirstError>
      {ordered(props, [...required]).map(([name, s]) => field(name, s))}
      <Button type="primary" htmlType="submit" loading={busy}>
        {submitText}
      </Button>
    </Form>
  );
}
