/** Small building blocks every page uses: loading data, showing errors with their codes, hashes, times. */
import { isLianzhengError } from '@lianzheng/protocol';
import { Alert, Button, type ButtonProps, Result, Spin, Tooltip, Typography } from 'antd';
import { type DependencyList, type MouseEvent, type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useHref, useNavigate } from 'react-router';
import { useDocumentTitle } from './documentTitle.js';
import { useSession } from './session.js';

/**
 * A link that looks like a button: one `<a href>` (one Tab stop, announced as a link, opens in a new tab on
 * Ctrl/⌘-click) that navigates inside the app on a plain click — instead of a `<Button>` inside a `<Link>`, which
 * nests one interactive element in another.
 */
export function LinkButton({ to, ...props }: Omit<ButtonProps, 'href' | 'onClick'> & { readonly to: string }) {
  const navigate = useNavigate();
  const href = useHref(to);
  const onClick = (e: MouseEvent<HTMLElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <Button {...props} href={href} onClick={onClick} />;
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

/** Runs `load` when the dependencies change; the latest call wins. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => {
        if (mine === seq.current) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (mine === seq.current) setState({ data: undefined, error, loading: false });
      },
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** The code of an error from the SDK or the node, if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (isLianzhengError(error)) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A coded error in plain words: a translation of its code when there is one, else the node's message. */
export function useErrorText(): (error: unknown) => string {
  const { t, i18n } = useTranslation();
  return useCallback(
    (error: unknown) => {
      const code = errorCode(error);
      if (code === 'SDK_TRANSPORT_FAILED') return t('common.error.network');
      if (code !== undefined && i18n.exists(`errors.${code}`)) return t(`errors.${code}`);
      if (error instanceof Error && error.message !== '') return error.message;
      return t('common.error.unknown');
    },
    [t, i18n],
  );
}

export function ErrorAlert({ error, onRetry }: { readonly error: unknown; readonly onRetry?: () => void }) {
  const { t } = useTranslation();
  const text = useErrorText();
  const code = errorCode(error);
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={t('common.error.title')}
      description={
        <>
          <div>{text(error)}</div>
          {code !== undefined && (
            <Typography.Text type="secondary">
              {t('common.error.code')}: <code>{code}</code>
            </Typography.Text>
          )}
        </>
      }
      action={
        onRetry === undefined ? undefined : (
          <Button size="small" onClick={onRetry}>
            {t('common.retry')}
          </Button>
        )
      }
    />
  );
}

/** Renders `children(data)` once loaded, a spinner before, an error with a retry button on failure. */
export function LoadView<T>({
  loaded,
  children,
}: {
  readonly loaded: Loaded<T>;
  readonly children: (data: T) => ReactNode;
}) {
  const { t } = useTranslation();
  if (loaded.error !== undefined) return <ErrorAlert error={loaded.error} onRetry={loaded.reload} />;
  if (loaded.data === undefined) {
    return (
      <div style={{ padding: 48, textAlign: 'center' }}>
        <Spin description={t('common.loading')} />
      </div>
    );
  }
  return <>{children(loaded.data)}</>;
}

/** A hash or id, shortened, monospace, copyable in full. */
export function Hash({ value, full = false }: { readonly value: string; readonly full?: boolean }) {
  const short = full || value.length <= 20 ? value : `${value.slice(0, 10)}…${value.slice(-8)}`;
  return (
    <Tooltip title={full ? undefined : value}>
      <Typography.Text code copyable={{ text: value }} style={{ wordBreak: 'break-all' }}>
        {short}
      </Typography.Text>
    </Tooltip>
  );
}

const CHINA_TIME = 'Asia/Shanghai';

/** A time (ms) in China time, in the page's language. */
export function TimeText({ ms }: { readonly ms: number }) {
  const { i18n } = useTranslation();
  return <time dateTime={new Date(ms).toISOString()}>{formatTime(ms, i18n.language)}</time>;
}

export function formatTime(ms: number, language: string): string {
  return new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: CHINA_TIME,
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(ms);
}

/** What a page that needs a signed-in user (or a member of staff) shows instead; the tab's title says it too. */
function Refused({
  title,
  text,
  extra,
}: {
  readonly title: string;
  readonly text: string;
  readonly extra?: ReactNode;
}) {
  useDocumentTitle(title);
  return <Result status="403" title={title} subTitle={text} extra={extra} />;
}

/** Its children when someone is signed in (a member of staff, with `staff`); else why not. */
export function RequireSession({
  staff = false,
  children,
}: {
  readonly staff?: boolean;
  readonly children: ReactNode;
}) {
  const { t } = useTranslation();
  const { session } = useSession();
  if (session === undefined) {
    return (
      <Refused
        title={t('common.needSignIn.title')}
        text={t('common.needSignIn.text')}
        extra={
          <LinkButton type="primary" to={`/signin?next=${encodeURIComponent(window.location.pathname)}`}>
            {t('common.needSignIn.action')}
          </LinkButton>
        }
      />
    );
  }
  if (staff && session.identity.kind !== 'member') {
    return <Refused title={t('common.needStaff.title')} text={t('common.needStaff.text')} />;
  }
  return <>{children}</>;
}

/** The page's heading (h2), which is also the browser tab's title. */
export function PageTitle({
  title,
  extra,
  lang,
}: {
  readonly title: string;
  readonly extra?: ReactNode;
  /** The title's language when it is content rather than interface text (see `contentLang`). */
  readonly lang?: string | undefined;
}) {
  useDocumentTitle(title);
  return (
    <div
      style={{
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'space-between',
        gap: 16,
        flexWrap: 'wrap',
        marginBottom: 16,
      }}
    >
      <Typography.Title level={2} style={{ margin: 0 }} lang={lang}>
        {title}
      </Typography.Title>
      {extra}
    </div>
  );
}
