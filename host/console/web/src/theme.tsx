// Skins (light, dark, modern…) from /api/v1/ui/skins, applied as CSS custom properties
// on <html>, so a switch is instant. Until the user chooses, the console follows the
// system's light/dark preference; the choice is kept per user (/api/v1/me/preferences)
// and cached locally so the next start paints in it at once.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./api";
import { useAuth } from "./auth";

export interface Skin {
  skin_id: string;
  skin_name: string;
  skin_type: string;
  css_variables: Record<string, string>;
}
export interface Theme {
  theme_id: string;
  theme_name: string;
  base_skin_id: string | null;
  color_scheme: Record<string, string>;
}
export interface Preferences {
  skin_id: string | null;
  skin_name: string | null;
  theme_id: string | null;
  theme_name: string | null;
  layout_config: Record<string, unknown>;
  shortcuts: Record<string, unknown>;
  updated_at: string | null;
}

const CACHE = "eoex.look";
const THEME_VARS: Record<string, string> = {
  primary: "--primary-color",
  secondary: "--secondary-color",
  success: "--success-color",
  danger: "--danger-color",
};

interface Look {
  skins: Skin[];
  themes: Theme[];
  /** The skin in use: the chosen one, or the system's. */
  skinName: string;
  /** Whether the user chose (false: following the system). */
  chosen: boolean;
  themeId: string | null;
  choose(choice: { skin_id: string | null; theme_id: string | null }): void;
  saving: boolean;
  error: string | null;
}

const LookContext = createContext<Look | null>(null);

function systemSkin(): string {
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

let applied: string[] = [];
/** Sets the skin's (and theme's) variables on <html>, removing those of the previous one. */
function apply(name: string, variables: Record<string, string>) {
  const root = document.documentElement;
  for (const v of applied) root.style.removeProperty(v);
  applied = Object.keys(variables).filter((k) => k.startsWith("--"));
  for (const k of applied) root.style.setProperty(k, variables[k]);
  root.dataset.skin = name;
  root.style.colorScheme = variables["--color-scheme"] ?? (name === "dark" ? "dark" : "light");
}

interface Cached {
  name: string;
  variables: Record<string, string>;
}
// Paint the cached choice before React renders anything.
try {
  const cached = JSON.parse(localStorage.getItem(CACHE) ?? "null") as Cached | null;
  if (cached) apply(cached.name, cached.variables);
  else apply(systemSkin(), {});
} catch {
  apply(systemSkin(), {});
}

export function LookProvider({ children }: { children: ReactNode }) {
  const { loggedIn } = useAuth();
  const client = useQueryClient();
  const skins = useQuery({ queryKey: ["ui", "skins"], queryFn: () => api<{ items: Skin[] }>("/api/v1/ui/skins"), enabled: loggedIn, staleTime: Infinity });
  const themes = useQuery({ queryKey: ["ui", "themes"], queryFn: () => api<{ items: Theme[] }>("/api/v1/ui/themes"), enabled: loggedIn, staleTime: Infinity });
  const prefs = useQuery({ queryKey: ["ui", "preferences"], queryFn: () => api<Preferences>("/api/v1/me/preferences"), enabled: loggedIn });
  const [system, setSystem] = useState(systemSkin);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const media = window.matchMedia?.("(prefers-color-scheme: dark)");
    if (!media) return;
    const listener = () => setSystem(systemSkin());
    media.addEventListener("change", listener);
    return () => media.removeEventListener("change", listener);
  }, []);

  const save = useMutation({
    mutationFn: (choice: { skin_id: string | null; theme_id: string | null }) =>
      api<Preferences>("/api/v1/me/preferences", { method: "PUT", body: choice }),
    onMutate: async (choice) => {
      setError(null);
      await client.cancelQueries({ queryKey: ["ui", "preferences"] });
      const previous = client.getQueryData<Preferences>(["ui", "preferences"]);
      if (previous) client.setQueryData(["ui", "preferences"], { ...previous, ...choice });
      return { previous };
    },
    onError: (e, _choice, context) => {
      if (context?.previous) client.setQueryData(["ui", "preferences"], context.previous);
      setError(e instanceof Error ? e.message : String(e));
    },
    onSuccess: (saved) => client.setQueryData(["ui", "preferences"], saved),
  });

  const skinList = skins.data?.items ?? [];
  const themeList = themes.data?.items ?? [];
  const chosenSkin = loggedIn ? skinList.find((s) => s.skin_id === prefs.data?.skin_id) : undefined;
  const theme = loggedIn ? themeList.find((t) => t.theme_id === prefs.data?.theme_id) : undefined;
  const skin = chosenSkin ?? skinList.find((s) => s.skin_name === system);
  const skinName = chosenSkin?.skin_name ?? system;

  const loading = loggedIn && (skins.isPending || themes.isPending || prefs.isPending);
  useEffect(() => {
    // Keep what was painted from the local cache until the user's choice is known.
    if (loading) return;
    const variables: Record<string, string> = { ...(skin?.css_variables ?? {}) };
    for (const [k, v] of Object.entries(theme?.color_scheme ?? {})) if (THEME_VARS[k]) variables[THEME_VARS[k]] = v;
    apply(skinName, variables);
    if (chosenSkin) localStorage.setItem(CACHE, JSON.stringify({ name: skinName, variables } satisfies Cached));
    else if (prefs.isSuccess || !loggedIn) localStorage.removeItem(CACHE);
  }, [loading, skin, theme, skinName, chosenSkin, prefs.isSuccess, loggedIn]);

  const value = useMemo<Look>(
    () => ({
      skins: skinList,
      themes: themeList,
      skinName,
      chosen: chosenSkin !== undefined,
      themeId: prefs.data?.theme_id ?? null,
      choose: (choice) => save.mutate(choice),
      saving: save.isPending,
      error,
    }),
    [skinList, themeList, skinName, chosenSkin, prefs.data, save, error],
  );
  return <LookContext.Provider value={value}>{children}</LookContext.Provider>;
}

export function useLook(): Look {
  const look = useContext(LookContext);
  if (!look) throw new Error("useLook outside LookProvider");
  return look;
}
