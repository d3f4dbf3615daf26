import { render } from 'preact';
import { Link, Route, Router, Switch, useLocation } from 'wouter-preact';
import { DefinitionsPage } from './pages/DefinitionsPage.tsx';
import { ExecutionPage } from './pages/ExecutionPage.tsx';
import { ExecutionsPage } from './pages/ExecutionsPage.tsx';
import { HealthPage } from './pages/HealthPage.tsx';

const NavLink = ({ href, children }: { href: string; children: string }) => {
  const [location] = useLocation();
  const current = href === '/' ? location === '/' || location.startsWith('/execution') : location.startsWith(href);
  return (
    <Link href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
};

const App = () => (
  <Router base="/ui">
    <a class="skip" href="#main">
      Skip to content
    </a>
    <header class="top">
      <span class="brand">
        <span aria-hidden="true">⬡</span> waggle sagas
      </span>
      <nav aria-label="Main">
        <NavLink href="/">Executions</NavLink>
        <NavLink href="/definitions">Definitions</NavLink>
        <NavLink href="/health">Health</NavLink>
        <a href="/openapi.json">REST API</a>
      </nav>
    </header>
    <main id="main" tabIndex={-1}>
      <Switch>
        <Route path="/" component={ExecutionsPage} />
        <Route path="/definitions">{() => <DefinitionsPage />}</Route>
        <Route path="/definitions/:name">{(params: { name: string }) => <DefinitionsPage name={decodeURIComponent(params.name)} />}</Route>
        <Route path="/health">{() => <HealthPage />}</Route>
        <Route path="/execution/:id">{(params: { id: string }) => <ExecutionPage id={decodeURIComponent(params.id)} />}</Route>
        <Route>
          <p class="note">
            No such page. Go to the <Link href="/">executions</Link>.
          </p>
        </Route>
      </Switch>
    </main>
  </Router>
);

const root = document.getElementById('app');
if (root !== null) {
  root.textContent = '';
  render(<App />, root);
}
