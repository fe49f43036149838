import { getRecords, type RecordCategory, type RecordSummary } from '@lianzheng/sdk';
import { Button, Card, Input, List, Select, Space, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { contentLang } from '../app/label.js';
import { client } from '../app/node.js';
import { useOrgs } from '../app/orgs.js';
import { ErrorAlert, PageTitle, TimeText } from '../app/ui.js';

export const RECORD_CATEGORIES: readonly RecordCategory[] = ['policy', 'decision', 'notice', 'budget', 'report'];
export const CATEGORY_COLOURS: Record<RecordCategory, string> = {
  policy: 'blue',
  decision: 'purple',
  notice: 'gold',
  budget: 'green',
  report: 'cyan',
};

export function Records() {
  const { t } = useTranslation();
  const orgs = useOrgs();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const org = params.get('org') ?? undefined;
  const category = (params.get('category') ?? undefined) as RecordCategory | undefined;
  const [items, setItems] = useState<RecordSummary[]>([]);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(undefined);

  async function load(cursor?: string) {
    setLoading(true);
    setError(undefined);
    try {
      const page = await getRecords(client, {
        ...(q === '' ? {} : { q }),
        ...(org === undefined ? {} : { org }),
        ...(category === undefined ? {} : { category }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      setItems((old) => (cursor === undefined ? [...page.items] : [...old, ...page.items]));
      setNext(page.next);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }
  useEffect(() => {
    void load();
  }, [q, org, category]);

  function set(name: string, value: string | undefined) {
    const p = new URLSearchParams(params);
    if (value === undefined || value === '') p.delete(name);
    else p.set(name, value);
    setParams(p, { replace: true });
  }

  return (
    <>
      <PageTitle title={t('public.records.title')} />
      <Typography.Paragraph style={{ maxWidth: 760 }}>{t('public.records.lead')}</Typography.Paragraph>
      <Card>
        <Space wrap style={{ marginBottom: 16, width: '100%' }}>
          <Input.Search
            aria-label={t('public.records.search')}
            placeholder={t('public.records.search')}
            defaultValue={q}
            allowClear
            onSearch={(v) => set('q', v.trim())}
            style={{ width: 320, maxWidth: '100%' }}
            data-testid="records-search"
          />
          <Select
            aria-label={t('common.department')}
            value={org ?? ''}
            onChange={(v) => set('org', v)}
            style={{ width: 200 }}
            options={[
              { value: '', label: t('public.records.allDepartments') },
              ...orgs.list.map((o) => ({ value: o.id, label: orgs.name(o.id) })),
            ]}
          />
          <Select
            aria-label={t('public.records.allCategories')}
            value={category ?? ''}
            onChange={(v) => set('category', v)}
            style={{ width: 160 }}
            options={[
              { value: '', label: t('public.records.allCategories') },
              ...RECORD_CATEGORIES.map((c) => ({ value: c, label: t(`public.records.category.${c}`) })),
            ]}
          />
        </Space>
        {error !== undefined && <ErrorAlert error={error} onRetry={() => void load()} />}
        <List<RecordSummary>
          loading={loading && items.length === 0}
          dataSource={items}
          locale={{ emptyText: t('public.records.noResults') }}
          renderItem={(r) => (
            <List.Item key={`${r.org}/${r.id}`} data-testid="record-item">
              <List.Item.Meta
                title={
                  <Space wrap>
                    <Tag color={CATEGORY_COLOURS[r.category]}>{t(`public.records.category.${r.category}`)}</Tag>
                    <Link to={`/records/${r.org}/${r.id}`} lang={contentLang(r.title)}>
                      {r.title}
                    </Link>
                    {r.version > 1 && <Tag>{t('public.records.version', { version: r.version })}</Tag>}
                    {r.withdrawn && <Tag color="red">{t('public.records.withdrawn')}</Tag>}
                  </Space>
                }
                description={
                  <Space direction="vertical" size={2}>
                    {r.summary !== undefined && (
                      <Typography.Text lang={contentLang(r.summary)}>{r.summary}</Typography.Text>
                    )}
                    <Typography.Text type="secondary">
                      {orgs.name(r.org)} · {t('public.records.published')} <TimeText ms={r.publishedAt} />
                      {r.effective !== undefined && ` · ${t('public.records.effective')} ${r.effective}`}
                    </Typography.Text>
                  </Space>
                }
              />
            </List.Item>
          )}
        />
        {next !== undefined && (
          <Button onClick={() => void load(next)} loading={loading} style={{ marginTop: 12 }}>
            {t('public.records.loadMore')}
          </Button>
        )}
      </Card>
    </>
  );
}
