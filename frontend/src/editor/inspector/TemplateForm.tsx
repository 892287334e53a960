// Inspector form for the template step. A WhatsApp template message (the form itself lives in ../TemplateForm).
import type { FormProps } from "./kit";
import { TemplateForm as WhatsappTemplateFields } from "../TemplateForm";

export function TemplateForm(props: FormProps) {
  const { id, data, variables, onPatch } = props;
  return <WhatsappTemplateFields data={data} variables={variables} onChange={(next, field) => onPatch(id, next, field)} />;
}
