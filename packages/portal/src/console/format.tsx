/** How the console names people and durations: departments by name, applicants by pseudonym, waits in words. */
import type { CaseActor } from '@lianzheng/protocol';
import { Tag, Tooltip, Typography } from 'antd';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { useOrgs } from '../app/orgs.js';
import { formatTime } from '../app/ui.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A deadline this close is shown as near (a working morning). */
export const NEAR_DEADLINE_MS = 4 * HOUR;

/** A duration in words: minutes under an hour, hours under two days, else days. */
export function useDuration(): (ms: number) => string {
  const { t } = useTranslation();
  return useCallback(
    (ms: number) => {
      const m = Math.max(0, ms);
      if (m < HOUR) return t('console.duration.minutes', { count: Math.max(1, Math.floor(m / MINUTE)) });
      if (m < 2 * DAY) return t('console.duration.hours', { count: Math.floor(m / HOUR) });
      return t('console.duration.days', { count: Math.floor(m / DAY) });
    },
    [t],
  );
}

/** A day (ms) in China time, in the page's language, without the time of day (e.g. a licence's validity). */
export function formatDate(ms: number, language: string): string {
  return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    dateStyle: 'medium',
  }).format(ms);
}

/** A pseudonym (subject id), shortened, with the full value on hover and to copy. */
export function Pseudonym({ value }: { readonly value: string }) {
  const short = value.length > 12 ? `${value.slice(0, 6)}…${value.slice(-4)}` : value;
  return (
    <Tooltip title={value}>
      <Typography.Text code copyable={{ text: value }}>
        {short}
      </Typography.Text>
    </Tooltip>
  );
}

/** Who acted or applied: a member as department and staff id, a citizen or enterprise by pseudonym only. */
export function ActorName({ actor }: { readonly actor: Omit<CaseActor, 'key'> }) {
  const { t } = useTranslation();
  const orgs = useOrgs();
  if (actor.kind === 'member') {
    return (
      <span>
        {orgs.name(actor.org)}
        {actor.member === undefined ? '' : ` · ${actor.member}`}
      </span>
    );
  }
  return (
    <span>
      {t(`common.kind.${actor.kind === 'enterprise' ? 'enterprise' : 'citizen'}`)}
      {actor.subject !== undefined && (
        <>
          {' · '}
          <Pseudonym value={actor.subject} />
        </>
      )}
    </span>
  );
}

/** A deadline with its state: red once passed, orange when near, plain otherwise. */
export function Deadline({ at, now }: { readonly at: number | undefined; readonly now: number }) {
  const { t, i18n } = useTranslation();
  const duration = useDuration();
  if (at === undefined) return <Typography.Text type="secondary">{t('console.deadline.none')}</Typography.Text>;
  const left = at - now;
  const state = left < 0 ? 'overdue' : left < NEAR_DEADLINE_MS ? 'near' : 'ok';
  return (
    <span data-deadline={state}>
      <Typography.Text {...(state === 'overdue' ? { type: 'danger' } : state === 'near' ? { type: 'warning' } : {})}>
        {formatTime(at, i18n.language)}
      </Typography.Text>{' '}
      {state === 'overdue' && <Tag color="red">{t('console.deadline.overdue', { time: duration(-left) })}</Tag>}
      {state === 'near' && <Tag color="orange">{t('console.deadline.near', { time: duration(left) })}</Tag>}
    </span>
  );
}
