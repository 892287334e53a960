// Inspector form for the wait step. A pause in seconds.
import { useFormKit, type FormProps } from "./kit";
import { NumberInput } from "./controls";
import { Field } from "../fields";

export function WaitForm(props: FormProps) {
  const { data } = props;
  const { t, set } = useFormKit(props);
  return (
    <Field label={t("f.seconds")}>
      <NumberInput value={data.seconds ?? 60} min={1} max={2592000} onChange={(v) => set("seconds", v ?? 1)} />
    </Field>
  );
}
