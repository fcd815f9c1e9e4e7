import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { AdminPage } from './admin';
import { AnalyticsPage } from './analytics';
import { beginOidcSignIn, claimsOf, completeOidcSignIn, forgetToken, keepToken, loadAppConfig, storedToken, type AppConfig, type Who } from './auth';
import { initialLang, setLang, t, type Key, type Lang } from './i18n';
import { PersonPage } from './person';
import { VIEWS, ViewPage } from './views';

interface NavItem {
  readonly path: string;
  readonly label: Key;
  readonly roles: readonly string[];
  /** Actor kinds that have the page (a county board reads the overview only, an analyst no timeline). */
  readonly kinds?: readonly string[];
}

const CASEWORKER_KINDS = ['migrationsverket', 'skatteverket', 'arbetsformedlingen', 'forsakringskassan', 'municipality', 'region'];

const NAV: readonly NavItem[] = [
  { path: '/person', label: 'navPerson', roles: ['caseworker'], kinds: CASEWORKER_KINDS },
  { path: '/views/settlement-queue', label: 'navQueue', roles: ['caseworker'], kinds: CASEWORKER_KINDS },
  { path: '/views/establishment', label: 'navEstablishment', roles: ['caseworker'], kinds: CASEWORKER_KINDS },
  { path: '/views/residents', label: 'navResidents', roles: ['caseworker'], kinds: ['municipality'] },
  { path: '/views/chain-gaps', label: 'navGaps', roles: ['caseworker'], kinds: CASEWORKER_KINDS },
  { path: '/views/county-overview', label: 'navOverview', roles: ['caseworker'] },
  { path: '/analytics', label: 'navAnalytics', roles: ['analyst'] },
  { path: '/admin', label: 'navAdmin', roles: ['admin'] },
];

function navFor(who: Who): NavItem[] {
  const kind = who.actor.split(':')[0];
  return NAV.filter((item) => item.roles.some((r) => who.roles.includes(r)) && (!item.kinds || item.kinds.includes(kind)));
}

function SignIn(props: { config: AppConfig; error: string | null; onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(props.error);
  const accept = (token: string) => {
    const trimmed = token.trim();
    const who = claimsOf(trimmed);
    if (!who || who.exp * 1000 <= Date.now()) return setError(t('badToken'));
    props.onToken(trimmed);
  };
  return (
    <>
      <h1>{t('signInTitle')}</h1>
      <p>{t('signInIntro')}</p>
      {error ? <div role="alert" class="status error">{error}</div> : null}
      {props.config.oidc ? (
        <button type="button" class="primary" onClick={() => void beginOidcSignIn(props.config.oidc!).catch((e: unknown) => setError(`${t('signInFailed')}: ${e instanceof Error ? e.message : String(e)}`))}>
          {t('signInWithProvider')}
        </button>
      ) : (
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault();
            accept(value);
          }}
        >
          <label for="token">{t('accessToken')}</label>
          <p id="token-help" class="help">{t('accessTokenHelp')}</p>
          <textarea id="token" name="token" rows={4} value={value} aria-describedby="token-help" autocomplete="off" spellcheck={false} onInput={(e) => setValue(e.currentTarget.value)} />
          <button type="submit" class="primary">{t('signIn')}</button>
        </form>
      )}
      {props.config.demoTokens.length ? (
        <section aria-labelledby="demo-title">
          <h2 id="demo-title">{t('demoTokens')}</h2>
          <p>{t('demoTokensIntro')}</p>
          <ul class="demo-tokens">
            {props.config.demoTokens.map((d) => (
              <li key={d.label}>
                <button type="button" onClick={() => accept(d.token)}>{`${t('useToken')} ${d.label}`}</button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

function App() {
  const [lang, setLangState] = useState<Lang>(() => {
    const l = initialLang();
    setLang(l);
    return l;
  });
  const [config, setConfig] = useState<AppConfig | null>(null);
  const [token, setToken] = useState<string | null>(() => storedToken());
  const [signInError, setSignInError] = useState<string | null>(null);
  const [path, setPath] = useState(location.pathname);
  const [personId, setPersonId] = useState<string | null>(null);

  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    addEventListener('popstate', onPop);
    void loadAppConfig().then(async (loaded) => {
      if (loaded.oidc) {
        try {
          const fresh = await completeOidcSignIn(loaded.oidc);
          if (fresh) setToken(fresh);
        } catch (e) {
          setSignInError(`${t('signInFailed')}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      setConfig(loaded);
    });
    return () => removeEventListener('popstate', onPop);
  }, []);

  // Each page its own title (WCAG 2.4.2), so a screen reader and the tab bar say where one is.
  useEffect(() => {
    const item = NAV.find((n) => n.path === path);
    document.title = !token ? `${t('signInTitle')} – ${t('appName')}` : item ? `${t(item.label)} – ${t('appName')}` : t('appName');
  }, [lang, path, token]);

  const go = (to: string) => {
    if (to !== location.pathname) history.pushState(null, '', to);
    setPath(to);
    document.getElementById('main')?.focus();
  };
  const who = token ? claimsOf(token) : null;
  const items = who ? navFor(who) : [];

  const switchLang = () => {
    const next: Lang = lang === 'sv' ? 'en' : 'sv';
    sessionStorage.setItem('kedja.lang', next);
    setLang(next);
    setLangState(next);
  };

  let page;
  if (!config) page = <p role="status">{t('loading')}</p>;
  else if (!token || !who)
    page = (
      <SignIn
        config={config}
        error={signInError}
        onToken={(fresh) => {
          keepToken(fresh);
          setToken(fresh);
          setSignInError(null);
        }}
      />
    );
  else if (path === '/person') page = <PersonPage token={token} personId={personId} onPerson={setPersonId} />;
  else if (path.startsWith('/views/') && VIEWS[path.slice(7)])
    page = <ViewPage token={token} actor={who.actor} spec={VIEWS[path.slice(7)]} onPerson={(id) => { setPersonId(id); go('/person'); }} />;
  else if (path === '/analytics') page = <AnalyticsPage token={token} />;
  else if (path === '/admin') page = <AdminPage token={token} />;
  else
    page = (
      <>
        <h1>{t('home')}</h1>
        <p>{t('homeIntro')}</p>
      </>
    );

  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          // Focus moves without a #fragment, so the address stays the page's own.
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        {t('skip')}
      </a>
      <header class="top">
        <span class="brand">{t('appName')}</span>
        {who ? (
          <span class="who">
            {t('signedInAs')} <strong>{who.sub}</strong> ({who.actor}; {who.roles.join(', ')})
          </span>
        ) : null}
        <button type="button" lang={lang === 'sv' ? 'en' : 'sv'} onClick={switchLang}>{t('language')}</button>
        {who ? (
          <button
            type="button"
            onClick={() => {
              forgetToken();
              setToken(null);
              setPersonId(null);
              go('/');
            }}
          >
            {t('signOut')}
          </button>
        ) : null}
      </header>
      {items.length ? (
        <nav class="menu" aria-label={t('nav')}>
          <ul>
            {items.map((item) => (
              <li key={item.path}>
                <a
                  href={item.path}
                  aria-current={path === item.path ? 'page' : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    go(item.path);
                  }}
                >
                  {t(item.label)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      <main id="main" tabIndex={-1}>{page}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
