// Inspector form for the handoff step. A handoff to an operator queue: department, message to the customer, note for the operator.
import { useFormKit, type FormProps } from "./kit";
import { Field } from "../fields";

export function HandoffForm(props: FormProps) {
  const { data, departments } = props;
  const { t, set, tpl } = useFormKit(props);
  return (
    <>
      <Field label={t("f.department")}>
        <select
          value={data.department ?? ""}
          data-testid="department-select"
          onChange={(e) => set("department", e.target.value || null)}
        >
          <option value="">{t("node.default_department")}</option>
          {departments.map((d) => (
            <option key={d.slug} value={d.slug}>
              {d.name}
            </option>
          ))}
          {data.department && !departments.some((d) => d.slug === data.department) ? (
            <option value={data.department}>{data.department}</option>
          ) : null}
        </select>
      </Field>
      {tpl("message", t("f.handoff_message"))}
      {tpl("note", t("f.handoff_note"))}
    </>
  );
}
