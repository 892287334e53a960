// What every inspector form gets: the node, the lists it picks from, and helpers that turn an edit of
// one field into a patch of the whole `data` (the field name is the undo coalesce key).
import type { ReactNode } from "react";
import { expressionMessage, findingFor, type FindingLike } from "../expressionText";
import { Field, TemplateField } from "../fields";
import { useI18n } from "../i18n";
import type { NodeData } from "../model/types";
import { omitEmpty } from "./controls";

export interface Department {
  slug: string;
  name: string;
}

export interface FormProps {
  id: string;
  data: NodeData;
  variables: string[];
  departments: Department[];
  nodeIds: string[];
  /** What people call each step (kind + text), for the jump target list. */
  nodeTitles?: Record<string, string>;
  /** Replace the node's data (always the whole object); `field` groups typing into one undo step. */
  onPatch: (id: string, data: NodeData, field: string) => void;
  findings: (FindingLike & { severity: string })[];
}

export function useFormKit({ id, data, variables, onPatch, findings }: FormProps) {
  const { t } = useI18n();
  const set = (field: string, value: unknown) => onPatch(id, { ...data, [field]: value }, field);
  const setOptional = (field: string, value: unknown) => onPatch(id, omitEmpty(data, field, value), field);
  const tpl = (field: string, label: string, multiline = true): ReactNode => (
    <Field label={label}>
      <TemplateField
        value={data[field] ?? ""}
        onChange={(v) => set(field, v)}
        variables={variables}
        multiline={multiline}
        ariaLabel={label}
        testId={`field-${field}`}
      />
    </Field>
  );
  // An expression's problem is shown under its own field, translated; the list on top has the rest.
  const exprError = (fieldPath: string, testId: string): ReactNode => {
    const f = findingFor(findings, fieldPath);
    return f ? (
      <div className="bf-field-error" role="alert" data-testid={testId}>
        {expressionMessage(t, f, variables)}
      </div>
    ) : null;
  };
  return { t, set, setOptional, tpl, exprError };
}
