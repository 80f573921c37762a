/** The console's few building blocks: labelled fields, buttons, errors, progress. Plain HTML elements, so keyboards and screen readers get their native behaviour. */
import { type ReactNode, useId } from "react";
import { ApiError } from "./api";

export function Field(props: { label: string; value: string; onChange(v: string): void; type?: string; required?: boolean; placeholder?: string; autoComplete?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type={props.type ?? "text"}
        value={props.value}
        required={props.required}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete ?? "off"}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </div>
  );
}

export function Select<T extends string>(props: { label: string; value: T; onChange(v: NoInfer<T>): void; options: { value: NoInfer<T>; label: string }[] }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value as T)}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Radio buttons, each with what the choice means, in place. */
export function Choice<T extends string>(props: { legend: string; name: string; value: T; onChange(v: NoInfer<T>): void; options: { value: NoInfer<T>; label: string; explain: string }[] }) {
  return (
    <fieldset className="choice">
      <legend>{props.legend}</legend>
      {props.options.map((o) => (
        <label key={o.value} className="choice-option">
          <input type="radio" name={props.name} value={o.value} checked={props.value === o.value} onChange={() => props.onChange(o.value)} />
          <span>
            <strong>{o.label}</strong> — {o.explain}
          </span>
        </label>
      ))}
    </fieldset>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  const reason = error instanceof ApiError ? error.reason : undefined;
  return (
    <p className="error" role="alert">
      {message}
      {reason ? <span className="reason"> ({reason})</span> : null}
    </p>
  );
}

export function ProgressBar({ done, total, failed, label }: { done: number; total: number; failed: number; label: string }) {
  const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
  return (
    <div className="progress">
      <progress value={total === 0 ? 1 : done} max={total === 0 ? 1 : total} aria-label={label} />
      <span className="progress-text">
        {percent} % ({done}/{total}){failed > 0 ? <span className="bad"> · {failed} failed</span> : null}
      </span>
    </div>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card" aria-label={title}>
      <header className="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** A delete that asks first: `label` names what it deletes (for assistive technology), `question` is asked before. */
export function DeleteButton({ label, question, onConfirm }: { label: string; question: string; onConfirm(): void }) {
  return (
    <button
      type="button"
      className="danger"
      aria-label={label}
      onClick={() => {
        if (window.confirm(question)) onConfirm();
      }}
    >
      Delete
    </button>
  );
}

export const time = (iso: string) => new Date(iso).toLocaleString();
