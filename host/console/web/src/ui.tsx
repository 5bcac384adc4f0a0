// Small building blocks shared by every page: states, fields, badges, pagination.
import { useEffect, useId, useState, type ReactNode } from "react";
import type { UseQueryResult } from "@tanstack/react-query";
import { ApiError } from "./api";

export function Page({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · EOEX`;
  }, [title]);
  return (
    <div className="time-lapse-slide-up">
      <div className="page-head">
        <h1>{title}</h1>
        {actions && <div className="actions">{actions}</div>}
      </div>
      {children}
    </div>
  );
}

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {what}…
    </div>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="state error" role="alert">
      <strong>Something went wrong.</strong> {message}
      {retry && (
        <div style={{ marginTop: "0.5rem" }}>
          <button type="button" onClick={retry}>
            Try again
          </button>
        </div>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state">{children}</div>;
}

/** Loading, error or empty state of a query, else its content. */
export function QueryState<T>({
  query,
  isEmpty,
  empty,
  what,
  children,
}: {
  query: UseQueryResult<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  what?: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading what={what} />;
  if (query.isError) return <ErrorState error={query.error} retry={() => void query.refetch()} />;
  if (isEmpty?.(query.data)) return <Empty>{empty ?? "Nothing here yet."}</Empty>;
  return <>{children(query.data)}</>;
}

/** Field errors of a failed submission: `{"error":{"field"}}` goes next to the field. */
export function useFormErrors() {
  const [fields, setFields] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  return {
    fields,
    general,
    clear() {
      setFields({});
      setGeneral(null);
    },
    /** Shows `error`; returns the field it named, if any. */
    show(error: unknown, known?: string[]): string | undefined {
      if (error instanceof ApiError && error.field && (!known || known.includes(error.field))) {
        setFields({ [error.field]: error.message });
        setGeneral(null);
        return error.field;
      }
      setFields({});
      setGeneral(error instanceof Error ? error.message : String(error));
      return undefined;
    },
  };
}

/** Moves focus to the field a server error named. */
export function focusField(form: HTMLFormElement | null, name: string | undefined) {
  if (!form || !name) return;
  const el = form.elements.namedItem(name);
  if (el instanceof HTMLElement) el.focus();
}

export function Field({
  label,
  name,
  error,
  hint,
  children,
}: {
  label: string;
  name: string;
  error?: string;
  hint?: string;
  children: (props: { id: string; name: string; "aria-invalid": boolean; "aria-describedby"?: string }) => ReactNode;
}) {
  const id = useId();
  const described = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, name, "aria-invalid": !!error, "aria-describedby": described })}
      {hint && (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      )}
      {error && (
        <span className="field-error" id={`${id}-error`} role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <div className="notice error" role="alert">
      {message}
    </div>
  );
}

const TONES: Record<string, string> = {
  new: "info", contacted: "info", qualified: "ok", converted: "ok", lost: "bad",
  prospecting: "info", qualification: "info", proposal: "info", negotiation: "warn", closed_won: "ok", closed_lost: "bad",
  pending: "warn", confirmed: "info", shipped: "info", completed: "ok", cancelled: "bad",
  draft: "plain", scheduled: "info", active: "ok", paused: "warn", review: "warn", approved: "ok", published: "ok",
  open: "info", in_progress: "warn", waiting: "plain", resolved: "ok", closed: "plain",
  low: "plain", medium: "info", high: "warn", urgent: "bad",
};

export function Badge({ value, tone }: { value: string | null | undefined; tone?: string }) {
  if (value === null || value === undefined || value === "") return null;
  return <span className={`badge ${tone ?? TONES[value] ?? "plain"}`}>{humanize(value)}</span>;
}

export function humanize(value: string): string {
  const s = value.replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function Pagination({ page, limit, total, onPage }: { page: number; limit: number; total: number; onPage: (p: number) => void }) {
  const pages = Math.max(1, Math.ceil(total / Math.max(limit, 1)));
  return (
    <nav className="pagination" aria-label="Pagination">
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span aria-live="polite">
        Page {page} of {pages} · {total} in all
      </span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
}

export function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "object") return JSON.stringify(value);
  const s = String(value);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s)) {
    const d = new Date(s);
    if (!Number.isNaN(d.getTime())) return d.toLocaleString();
  }
  return s;
}

export function money(value: unknown): string {
  const n = Number(value);
  if (value === null || value === undefined || Number.isNaN(n)) return "—";
  return n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
