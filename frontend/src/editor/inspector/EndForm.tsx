// Inspector form for the end step. The closing text.
import { useFormKit, type FormProps } from "./kit";

export function EndForm(props: FormProps) {
  const { t, tpl } = useFormKit(props);
  return tpl("text", t("f.end_text"));
}
