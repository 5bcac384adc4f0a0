// What the tenant has: the installed modules (with their manifests' entities and
// routes) and which of them the tenant enabled. Module pages exist only for enabled ones.
import type { ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { api } from "./api";
import { useAuth } from "./auth";
import { Loading, ErrorState, Page, Empty, humanize } from "./ui";
import { Link } from "react-router-dom";

export type FieldKind = "text" | "integer" | "decimal" | "boolean" | "date" | "timestamp" | "uuid" | "json";
export interface FieldDef {
  name: string;
  kind: FieldKind;
  label: string;
  required: boolean;
  unique: boolean;
  indexed: boolean;
  default_value: string | null;
  choices: string[];
  max_length: number | null;
}
export interface EntityDef {
  name: string;
  label: string;
  id_field: string;
  fields: FieldDef[];
  exposed: boolean;
}
export interface RouteDef {
  method: string;
  path: string;
  summary: string;
}
export interface ModuleInfo {
  module_name: string;
  module_version: string;
  versions: string[];
  description: string;
  category: string;
  components: { component_name: string; component_type: string; description: string; features: { feature_key: string; feature_name: string; description: string }[] }[];
  entities: EntityDef[];
  routes: RouteDef[];
}
export interface TenantModule {
  module_name: string;
  is_enabled: boolean;
  version_requirement: string;
  active_version: string | null;
  features: { feature_key: string; enabled: boolean }[];
}

/** Modules with pages of their own in the console; others get generic pages. */
export const BUILT_IN = ["crm", "erp", "studio", "support"];

const TITLES: Record<string, string> = { crm: "CRM", erp: "ERP", studio: "Studio", support: "Support" };

/** How a module is named to people: "CRM", or a third party's name humanized. */
export function moduleTitle(name: string): string {
  return TITLES[name] ?? humanize(name);
}

export function useCatalog() {
  const { loggedIn } = useAuth();
  return useQuery({ queryKey: ["modules"], queryFn: () => api<{ items: ModuleInfo[] }>("/api/v1/modules"), enabled: loggedIn, staleTime: 60_000 });
}

export function useTenantModules() {
  const { loggedIn } = useAuth();
  return useQuery({ queryKey: ["tenant-modules"], queryFn: () => api<{ items: TenantModule[] }>("/api/v1/tenant/modules"), enabled: loggedIn });
}

/** Names of the modules the tenant enabled (undefined while loading). */
export function useEnabled(): Set<string> | undefined {
  const tenant = useTenantModules();
  if (!tenant.data) return undefined;
  return new Set(tenant.data.items.filter((m) => m.is_enabled).map((m) => m.module_name));
}

export function useEntity(module: string, entity: string): { module?: ModuleInfo; entity?: EntityDef; pending: boolean; error: unknown } {
  const catalog = useCatalog();
  const info = catalog.data?.items.find((m) => m.module_name === module);
  return { module: info, entity: info?.entities.find((e) => e.name === entity), pending: catalog.isPending, error: catalog.error };
}

/** The API path listing `entity`: the manifest's `GET /<entity>` route, if it has one. */
export function listPath(module: ModuleInfo, entity: EntityDef): string | undefined {
  const route = module.routes.find((r) => r.method.toUpperCase() === "GET" && r.path === `/${entity.name}`);
  return route ? `/api/v1/${module.module_name}${route.path}` : undefined;
}

export function hasRoute(module: ModuleInfo | undefined, method: string, path: string): boolean {
  return !!module?.routes.some((r) => r.method.toUpperCase() === method && r.path === path);
}

/** Entities with a list route: the ones that get generic pages. */
export function listedEntities(module: ModuleInfo): EntityDef[] {
  return module.entities.filter((e) => listPath(module, e) !== undefined);
}

/** Renders its children only when the tenant has `module` enabled. */
export function RequireModule({ name, children }: { name: string; children: ReactNode }) {
  const tenant = useTenantModules();
  if (tenant.isPending) return <Loading />;
  if (tenant.isError) return <ErrorState error={tenant.error} retry={() => void tenant.refetch()} />;
  const state = tenant.data.items.find((m) => m.module_name === name);
  if (!state?.is_enabled) {
    return (
      <Page title="Not available">
        <Empty>
          {state ? (
            <>
              The module <strong>{name}</strong> is not enabled for your organisation. An owner or admin can enable it in{" "}
              <Link to="/modules">Modules</Link>.
            </>
          ) : (
            <>There is no module named {name}.</>
          )}
        </Empty>
      </Page>
    );
  }
  return <>{children}</>;
}
