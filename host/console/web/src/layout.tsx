import { useEffect, useState, type ReactNode } from "react";
import { NavLink, useLocation } from "react-router-dom";
import { displayName, useAuth } from "./auth";
import { useLook } from "./theme";
import { BUILT_IN, listedEntities, moduleTitle, useCatalog, useEnabled } from "./modules";
import { humanize } from "./ui";

/** Entities of the built-in modules that have pages of their own. */
const OWN_PAGES: Record<string, string[]> = {
  crm: ["contacts", "opportunities"],
  erp: ["products", "orders", "order_items"],
  studio: ["campaigns"],
  support: ["tickets", "ticket_messages"],
};
const BUILT_IN_NAV: Record<string, [string, string, string?][]> = {
  crm: [["Contacts", "/crm/contacts"], ["Opportunities", "/crm/opportunities", "opportunities"]],
  erp: [["Products", "/erp/products"], ["Reorder alerts", "/erp/reorder"], ["Orders", "/erp/orders"]],
  studio: [["Campaigns", "/studio/campaigns"]],
  support: [["Tickets", "/support/tickets"], ["Knowledge base", "/support/kb"]],
};

export function SkinSwitch() {
  const look = useLook();
  const value = look.chosen ? look.skins.find((s) => s.skin_name === look.skinName)?.skin_id ?? "" : "";
  return (
    <>
      <label htmlFor="skin-switch" className="sr-only">
        Skin
      </label>
      <select
        id="skin-switch"
        value={value}
        disabled={look.skins.length === 0}
        onChange={(e) => look.choose({ skin_id: e.target.value || null, theme_id: null })}
      >
        <option value="">System ({look.chosen ? "auto" : look.skinName})</option>
        {look.skins.map((s) => (
          <option key={s.skin_id} value={s.skin_id}>
            {humanize(s.skin_name)}
          </option>
        ))}
      </select>
    </>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const { me, logout } = useAuth();
  const enabled = useEnabled();
  const catalog = useCatalog();
  const [open, setOpen] = useState(false);
  const location = useLocation();
  useEffect(() => setOpen(false), [location.pathname]);

  const modules = (catalog.data?.items ?? []).filter((m) => enabled?.has(m.module_name));
  modules.sort((a, b) => {
    const ia = BUILT_IN.indexOf(a.module_name);
    const ib = BUILT_IN.indexOf(b.module_name);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.module_name.localeCompare(b.module_name);
  });

  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <header className="topbar">
        <button type="button" className="menu-button" aria-expanded={open} aria-controls="sidebar" onClick={() => setOpen(!open)}>
          Menu
        </button>
        <NavLink to="/" className="brand">
          EOEX <span className="muted">· {me?.tenant.tenant_name}</span>
        </NavLink>
        <SkinSwitch />
        <span className="who">{displayName(me)}</span>
        <button type="button" onClick={() => void logout()}>
          Log out
        </button>
      </header>
      <aside id="sidebar" className={`sidebar${open ? " open" : ""}`}>
        <nav aria-label="Main">
          <ul>
            <li>
              <NavLink to="/" end>
                Dashboard
              </NavLink>
            </li>
          </ul>
          {modules.map((m) => {
            const own = BUILT_IN_NAV[m.module_name] ?? [];
            const ownEntities = new Set(OWN_PAGES[m.module_name] ?? []);
            const generic = listedEntities(m).filter((e) => !ownEntities.has(e.name));
            const routes = new Set(m.routes.map((r) => r.path));
            const links = own.filter(([, , needs]) => !needs || routes.has(`/${needs}`));
            return (
              <div key={m.module_name}>
                <div className="group" id={`nav-${m.module_name}`}>
                  {moduleTitle(m.module_name)}
                </div>
                <ul aria-labelledby={`nav-${m.module_name}`}>
                  {links.map(([label, to]) => (
                    <li key={to}>
                      <NavLink to={to}>{label}</NavLink>
                    </li>
                  ))}
                  {generic.map((e) => (
                    <li key={e.name}>
                      <NavLink to={`/m/${m.module_name}/${e.name}`}>{e.label || humanize(e.name)}</NavLink>
                    </li>
                  ))}
                </ul>
              </div>
            );
          })}
          <div className="group" id="nav-admin">
            Organisation
          </div>
          <ul aria-labelledby="nav-admin">
            <li>
              <NavLink to="/modules">Modules</NavLink>
            </li>
            <li>
              <NavLink to="/users">Users</NavLink>
            </li>
            <li>
              <NavLink to="/settings">Appearance</NavLink>
            </li>
          </ul>
        </nav>
      </aside>
      <main id="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
