import { lazy, Suspense, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, asPage } from "../api";
import { displayName, useAuth } from "../auth";
import { useLook } from "../theme";
import type { DailyMetrics } from "../charts";
import { SkinSwitch } from "../layout";
import { type ModuleInfo, type TenantModule, moduleTitle, useCatalog, useTenantModules } from "../modules";
import { Badge, Empty, ErrorState, Field, FormError, Loading, Page, Pagination, QueryState, focusField, formatValue, humanize, useFormErrors } from "../ui";

const DailyChart = lazy(() => import("../charts").then((m) => ({ default: m.DailyChart })));

/** Today's and the period's figures of the daily metrics, above the chart. */
function DailyFigures({ data }: { data: DailyMetrics }) {
  const today = data.items[data.items.length - 1];
  const figures: [keyof DailyMetrics["items"][number], string][] = [
    ["orders", "Orders"],
    ["tickets", "Tickets"],
    ["new_leads", "New leads"],
  ];
  return (
    <dl className="cards figures">
      {figures.map(([key, label]) => (
        <div className="card" key={key} data-figure={key}>
          <dt className="muted">{label} today</dt>
          <dd className="stat">{today ? String(today[key]) : "0"}</dd>
          <dd className="muted">{data.items.reduce((sum, d) => sum + Number(d[key]), 0)} in these {data.days} days</dd>
        </div>
      ))}
    </dl>
  );
}

function AuthForm({ title, fields, submit, footer }: { title: string; fields: { name: string; label: string; type?: string; autoComplete?: string; required?: boolean }[]; submit: (values: Record<string, string>) => Promise<void>; footer: React.ReactNode }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const errors = useFormErrors();
  const form = useRef<HTMLFormElement>(null);
  const navigate = useNavigate();
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    errors.clear();
    setBusy(true);
    try {
      await submit(values);
      navigate("/");
    } catch (err) {
      focusField(form.current, errors.show(err, fields.map((f) => f.name)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="auth-page time-lapse-fade">
      <p className="brand">EOEX</p>
      <h1>{title}</h1>
      <form ref={form} className="card" onSubmit={onSubmit} noValidate>
        <FormError message={errors.general} />
        {fields.map((f) => (
          <Field key={f.name} label={f.label} name={f.name} error={errors.fields[f.name]}>
            {(p) => <input {...p} type={f.type ?? "text"} autoComplete={f.autoComplete} required={f.required !== false} value={values[f.name] ?? ""} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} />}
          </Field>
        ))}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Please wait…" : title}
        </button>
      </form>
      <p>{footer}</p>
      <div className="actions">
        <SkinSwitch />
      </div>
    </div>
  );
}

export function Login() {
  const { login } = useAuth();
  return (
    <AuthForm
      title="Log in"
      fields={[
        { name: "email", label: "E-mail", type: "email", autoComplete: "username" },
        { name: "password", label: "Password", type: "password", autoComplete: "current-password" },
      ]}
      submit={(v) => login(v.email ?? "", v.password ?? "")}
      footer={
        <>
          New to EOEX? <Link to="/signup">Create an organisation</Link>
        </>
      }
    />
  );
}

export function Signup() {
  const { signup } = useAuth();
  return (
    <AuthForm
      title="Sign up"
      fields={[
        { name: "tenant_name", label: "Organisation name", autoComplete: "organization" },
        { name: "tenant_domain", label: "Organisation domain (e.g. acme.example)" },
        { name: "first_name", label: "First name", autoComplete: "given-name", required: false },
        { name: "last_name", label: "Last name", autoComplete: "family-name", required: false },
        { name: "email", label: "E-mail", type: "email", autoComplete: "username" },
        { name: "password", label: "Password (at least 10 characters)", type: "password", autoComplete: "new-password" },
      ]}
      submit={(v) => signup(Object.fromEntries(Object.entries(v).filter(([, x]) => x !== "")))}
      footer={
        <>
          Already have an account? <Link to="/login">Log in</Link>
        </>
      }
    />
  );
}

export function Dashboard() {
  const { me } = useAuth();
  const [days, setDays] = useState(30);
  const daily = useQuery({ queryKey: ["dashboard", days], queryFn: () => api<DailyMetrics>("/api/v1/dashboard/daily", { query: { days } }) });
  const tenant = useTenantModules();
  const enabled = tenant.data?.items.filter((m) => m.is_enabled) ?? [];
  return (
    <Page title="Dashboard">
      <p>Welcome{me ? `, ${displayName(me)}` : ""}.</p>
      <section className="card" aria-labelledby="daily-title">
        <div className="page-head">
          <h2 id="daily-title" style={{ margin: 0 }}>
            Daily activity
          </h2>
          <div className="field" style={{ marginBottom: 0 }}>
            <label htmlFor="days">Period</label>
            <select id="days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
              <option value={7}>Last 7 days</option>
              <option value={30}>Last 30 days</option>
              <option value={90}>Last 90 days</option>
            </select>
          </div>
        </div>
        {daily.isPending ? (
          <Loading what="Loading metrics" />
        ) : daily.isError ? (
          <ErrorState error={daily.error} retry={() => void daily.refetch()} />
        ) : (
          <>
            <DailyFigures data={daily.data} />
            <Suspense fallback={<Loading what="Loading chart" />}>
              <DailyChart data={daily.data} />
            </Suspense>
          </>
        )}
      </section>
      <h2>Your modules</h2>
      <QueryState query={tenant} isEmpty={() => enabled.length === 0} empty={<>No module is enabled yet. {<Link to="/modules">Enable one</Link>}.</>}>
        {() => (
          <div className="cards">
            {enabled.map((m) => (
              <div className="card" key={m.module_name}>
                <strong>{moduleTitle(m.module_name)}</strong> <span className="muted">{m.active_version}</span>
              </div>
            ))}
          </div>
        )}
      </QueryState>
    </Page>
  );
}

function ModuleCard({ info, state }: { info: ModuleInfo; state?: TenantModule }) {
  const { isAdmin } = useAuth();
  const client = useQueryClient();
  const [requirement, setRequirement] = useState(state?.version_requirement ?? "*");
  const errors = useFormErrors();
  const [approval, setApproval] = useState<string | null>(null);
  const configure = useMutation({
    mutationFn: (body: { enabled: boolean; version?: string; approve_permissions?: string[] }) => api(`/api/v1/tenant/modules/${info.module_name}`, { method: "PUT", body }),
    onSuccess: () => {
      errors.clear();
      setApproval(null);
      void client.invalidateQueries({ queryKey: ["tenant-modules"] });
    },
    onError: (e: any) => {
      if (e?.code === "permission_approval_required") setApproval(e.message);
      errors.show(e, ["version"]);
    },
  });
  const feature = useMutation({
    mutationFn: ({ key, enabled }: { key: string; enabled: boolean }) => api(`/api/v1/tenant/modules/${info.module_name}/features/${key}`, { method: "PUT", body: { enabled } }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["tenant-modules"] }),
    onError: (e) => errors.show(e),
  });
  const enabled = state?.is_enabled ?? false;
  const featureOn = (key: string) => state?.features.find((f) => f.feature_key === key)?.enabled ?? true;
  return (
    <section className="card" aria-labelledby={`mod-${info.module_name}`}>
      <div className="page-head">
        <h2 id={`mod-${info.module_name}`} style={{ margin: 0 }}>
          {moduleTitle(info.module_name)} <Badge value={enabled ? "enabled" : "disabled"} tone={enabled ? "ok" : "plain"} />
        </h2>
        <button type="button" className={enabled ? "" : "primary"} disabled={!isAdmin || configure.isPending} onClick={() => configure.mutate({ enabled: !enabled })} aria-label={`${enabled ? "Disable" : "Enable"} ${info.module_name}`}>
          {enabled ? "Disable" : "Enable"}
        </button>
      </div>
      <p>{info.description}</p>
      <p className="muted">
        Category {info.category} · installed {info.versions.join(", ")} · running {state?.active_version ?? "—"}
      </p>
      <FormError message={errors.general} />
      {approval && (
        <div className="notice error" role="alert">
          {approval}
        </div>
      )}
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          configure.mutate({ enabled, version: requirement });
        }}
      >
        <Field label="Version requirement" name="version" error={errors.fields.version} hint="A semver requirement: *, ^1.2, =1.3.0">
          {(p) => <input {...p} value={requirement} onChange={(e) => setRequirement(e.target.value)} disabled={!isAdmin} />}
        </Field>
        <button type="submit" disabled={!isAdmin || configure.isPending}>
          Save version
        </button>
      </form>
      {info.components.length > 0 && (
        <>
          <h3>Components and features</h3>
          <ul>
            {info.components.map((c) => (
              <li key={c.component_name}>
                <strong>{c.component_name}</strong> <span className="muted">({c.component_type})</span> {c.description}
                {c.features.length > 0 && (
                  <ul style={{ listStyle: "none", paddingLeft: "0.5rem" }}>
                    {c.features.map((f) => (
                      <li key={f.feature_key} className="field check" style={{ marginBottom: "0.25rem" }}>
                        <input type="checkbox" id={`feat-${f.feature_key}`} checked={featureOn(f.feature_key)} disabled={!isAdmin || !enabled || feature.isPending} onChange={(e) => feature.mutate({ key: f.feature_key, enabled: e.target.checked })} />
                        <label htmlFor={`feat-${f.feature_key}`}>
                          {f.feature_name} <span className="muted">— {f.description}</span>
                        </label>
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {info.entities.length > 0 && (
        <p className="muted">Records: {info.entities.map((e) => e.label || e.name).join(", ")}</p>
      )}
    </section>
  );
}

export function Modules() {
  const catalog = useCatalog();
  const tenant = useTenantModules();
  const { isAdmin } = useAuth();
  return (
    <Page title="Modules">
      {!isAdmin && <p className="notice">Only an owner or admin can enable modules.</p>}
      <QueryState query={catalog} isEmpty={(d) => d.items.length === 0} empty="No module is installed on this server.">
        {(d) =>
          tenant.isError ? (
            <ErrorState error={tenant.error} retry={() => void tenant.refetch()} />
          ) : tenant.isPending ? (
            <Loading />
          ) : (
            d.items.map((m) => <ModuleCard key={m.module_name} info={m} state={tenant.data.items.find((t) => t.module_name === m.module_name)} />)
          )
        }
      </QueryState>
    </Page>
  );
}

export function Users() {
  const { isAdmin, me } = useAuth();
  const [page, setPage] = useState(1);
  const users = useQuery({ queryKey: ["users", page], queryFn: () => api("/api/v1/users", { query: { page, limit: 25 } }).then((d) => asPage(d)) });
  const client = useQueryClient();
  const [values, setValues] = useState({ email: "", password: "", first_name: "", last_name: "", role: "user" });
  const errors = useFormErrors();
  const form = useRef<HTMLFormElement>(null);
  const [done, setDone] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => api("/api/v1/users", { method: "POST", body: Object.fromEntries(Object.entries(values).filter(([, v]) => v !== "")) }),
    onSuccess: (u) => {
      errors.clear();
      setDone(`${u.email} can now log in.`);
      setValues({ email: "", password: "", first_name: "", last_name: "", role: "user" });
      void client.invalidateQueries({ queryKey: ["users"] });
    },
    onError: (e) => focusField(form.current, errors.show(e, Object.keys(values))),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/api/v1/users/${id}`, { method: "DELETE" }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["users"] }),
    onError: (e) => errors.show(e),
  });
  return (
    <Page title="Users">
      <QueryState query={users} isEmpty={(d) => d.items.length === 0} empty="No users.">
        {(d) => (
          <>
            <div className="table-wrap">
              <table>
                <caption className="sr-only">Users of your organisation</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">E-mail</th>
                    <th scope="col">Role</th>
                    <th scope="col">Last login</th>
                    {isAdmin && <th scope="col">Actions</th>}
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((u: any) => (
                    <tr key={u.user_id}>
                      <td>{displayName(u)}</td>
                      <td>{u.email}</td>
                      <td>
                        <Badge value={u.role} tone="info" />
                      </td>
                      <td>{formatValue(u.last_login)}</td>
                      {isAdmin && (
                        <td>
                          {u.user_id !== me?.user_id && (
                            <button type="button" className="danger" onClick={() => window.confirm(`Delete ${u.email}?`) && remove.mutate(u.user_id)} aria-label={`Delete ${u.email}`}>
                              Delete
                            </button>
                          )}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination page={d.page} limit={d.limit} total={d.total} onPage={setPage} />
          </>
        )}
      </QueryState>
      {isAdmin && (
        <>
          <h2>Add a user</h2>
          <form
            ref={form}
            className="card"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              setDone(null);
              create.mutate();
            }}
          >
            <FormError message={errors.general} />
            {done && (
              <div className="notice ok" role="status">
                {done}
              </div>
            )}
            <div className="form-grid">
              {(["email", "password", "first_name", "last_name"] as const).map((k) => (
                <Field key={k} label={humanize(k)} name={k} error={errors.fields[k]}>
                  {(p) => <input {...p} type={k === "password" ? "password" : k === "email" ? "email" : "text"} autoComplete={k === "password" ? "new-password" : "off"} value={values[k]} onChange={(e) => setValues({ ...values, [k]: e.target.value })} />}
                </Field>
              ))}
              <Field label="Role" name="role" error={errors.fields.role}>
                {(p) => (
                  <select {...p} value={values.role} onChange={(e) => setValues({ ...values, role: e.target.value })}>
                    {["readonly", "user", "admin", "owner"].map((r) => (
                      <option key={r} value={r}>
                        {humanize(r)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </div>
            <button type="submit" className="primary" disabled={create.isPending}>
              Add user
            </button>
          </form>
        </>
      )}
    </Page>
  );
}

export function Settings() {
  const look = useLook();
  return (
    <Page title="Appearance">
      {look.error && <div className="notice error" role="alert">Could not save: {look.error}</div>}
      <fieldset className="card">
        <legend>Skin</legend>
        <div className="field check">
          <input type="radio" id="skin-system" name="skin" checked={!look.chosen} onChange={() => look.choose({ skin_id: null, theme_id: null })} />
          <label htmlFor="skin-system">Follow the system (now {look.skinName})</label>
        </div>
        {look.skins.map((s) => (
          <div className="field check" key={s.skin_id}>
            <input type="radio" id={`skin-${s.skin_name}`} name="skin" checked={look.chosen && look.skinName === s.skin_name} onChange={() => look.choose({ skin_id: s.skin_id, theme_id: null })} />
            <label htmlFor={`skin-${s.skin_name}`}>
              {humanize(s.skin_name)} <span className="muted">({s.skin_type})</span>
            </label>
          </div>
        ))}
      </fieldset>
      <fieldset className="card">
        <legend>Theme</legend>
        {look.themes.length === 0 && <Empty>No themes.</Empty>}
        {look.themes.map((t) => {
          const base = look.skins.find((s) => s.skin_id === t.base_skin_id);
          return (
            <div className="field check" key={t.theme_id}>
              <input type="radio" id={`theme-${t.theme_id}`} name="theme" checked={look.themeId === t.theme_id} onChange={() => look.choose({ skin_id: t.base_skin_id, theme_id: t.theme_id })} />
              <label htmlFor={`theme-${t.theme_id}`}>
                {t.theme_name} <span className="muted">on {base ? humanize(base.skin_name) : "any skin"}</span>{" "}
                {Object.entries(t.color_scheme).map(([name, c]) => (
                  <span key={name} aria-hidden="true" style={{ display: "inline-block", width: "0.9rem", height: "0.9rem", background: c, borderRadius: "50%", border: "1px solid var(--border-color)", verticalAlign: "middle", marginLeft: 2 }} />
                ))}
              </label>
            </div>
          );
        })}
      </fieldset>
      <p className="muted">Your choice is saved to your account and follows you to every device. Animations are reduced when your system asks for less motion.</p>
    </Page>
  );
}
