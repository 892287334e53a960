// Inspector form for the tag step. Tags to add or remove and the consent to record.
import { useFormKit, type FormProps } from "./kit";
import { Field, ListField } from "../fields";

export function TagForm(props: FormProps) {
  const { data } = props;
  const { t, setOptional } = useFormKit(props);
  return (
    <>
      <Field label={t("f.tags_add")}>
        <ListField value={data.add ?? []} onChange={(v) => setOptional("add", v)} />
      </Field>
      <Field label={t("f.tags_remove")}>
        <ListField value={data.remove ?? []} onChange={(v) => setOptional("remove", v)} />
      </Field>
      <Field label={t("f.consent")}>
        <select value={data.consent ?? ""} onChange={(e) => setOptional("consent", e.target.value)}>
          <option value="">—</option>
          <option value="subscribe">{t("consent.subscribe")}</option>
          <option value="unsubscribe">{t("consent.unsubscribe")}</option>
        </select>
      </Field>
    </>
  );
}
