import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, currentSession, onSessionChange, setSession } from "./api";

export interface Me {
  user_id: string;
  tenant_id: string;
  email: string;
  username: string;
  first_name: string | null;
  last_name: string | null;
  role: "owner" | "admin" | "user" | "readonly";
  tenant: { tenant_id: string; tenant_name: string; tenant_domain: string };
}

interface Auth {
  loggedIn: boolean;
  me: Me | undefined;
  isAdmin: boolean;
  canWrite: boolean;
  login(email: string, password: string): Promise<void>;
  signup(body: Record<string, string>): Promise<void>;
  logout(): Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [loggedIn, setLoggedIn] = useState(() => currentSession() !== null);
  useEffect(
    () =>
      onSessionChange((s) => {
        setLoggedIn(s !== null);
        if (!s) client.clear();
      }),
    [client],
  );
  const me = useQuery({ queryKey: ["me"], queryFn: () => api<Me>("/api/v1/auth/me"), enabled: loggedIn, staleTime: 60_000 });
  const role = me.data?.role;
  const value: Auth = {
    loggedIn,
    me: me.data,
    isAdmin: role === "owner" || role === "admin",
    canWrite: role !== undefined && role !== "readonly",
    async login(email, password) {
      setSession(await api("/api/v1/auth/login", { method: "POST", body: { email, password } }));
    },
    async signup(body) {
      setSession(await api("/api/v1/auth/signup", { method: "POST", body }));
    },
    async logout() {
      try {
        await api("/api/v1/auth/logout", { method: "POST" });
      } finally {
        setSession(null);
      }
    },
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}

export function displayName(me: Pick<Me, "first_name" | "last_name" | "email"> | undefined): string {
  if (!me) return "";
  const name = [me.first_name, me.last_name].filter(Boolean).join(" ");
  return name || me.email;
}
