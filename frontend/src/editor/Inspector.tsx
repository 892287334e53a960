// The inspector: the step's kind, its problems, the form for its type (./inspector/<Type>Form.tsx), the
// return-point flag and the start/delete buttons. Every edit is a patch of the node's `data`; typing into
// one field is one undo step (the coalesce key is node + field).
import { memo, type ComponentType } from "react";
import { isExpressionFinding } from "./expressionText";
import { useI18n } from "./i18n";
import { Icon } from "./icons";
import { AskForm } from "./inspector/AskForm";
import { ButtonsForm } from "./inspector/ButtonsForm";
import { ConditionForm } from "./inspector/ConditionForm";
import { EndForm } from "./inspector/EndForm";
import { HandoffForm } from "./inspector/HandoffForm";
import { HttpRequestForm } from "./inspector/HttpRequestForm";
import { JumpForm } from "./inspector/JumpForm";
import { MessageForm } from "./inspector/MessageForm";
import { RatingForm } from "./inspector/RatingForm";
import { SetVariableForm } from "./inspector/SetVariableForm";
import { TagForm } from "./inspector/TagForm";
import { TemplateForm } from "./inspector/TemplateForm";
import { WaitForm } from "./inspector/WaitForm";
import type { FormProps } from "./inspector/kit";
import type { NodeType } from "./model/types";
import { omitEmpty } from "./inspector/controls";
import { useWhatsappUsed } from "./status";

export { DeclareVariableContext } from "./inspector/controls";
export type { Department } from "./inspector/kit";

interface Props extends FormProps {
  type: NodeType;
  isStart: boolean;
  onDelete: (id: string) => void;
  onSetStart: (id: string) => void;
}

const FORMS: Record<NodeType, ComponentType<FormProps>> = {
  message: MessageForm,
  buttons: ButtonsForm,
  ask: AskForm,
  condition: ConditionForm,
  set_variable: SetVariableForm,
  http_request: HttpRequestForm,
  wait: WaitForm,
  jump: JumpForm,
  handoff: HandoffForm,
  rating: RatingForm,
  template: TemplateForm,
  tag: TagForm,
  end: EndForm,
};

function InspectorImpl(props: Props) {
  const { id, type, data, onPatch, findings } = props;
  const { t } = useI18n();
  const whatsapp = useWhatsappUsed();
  const otherFindings = findings.filter((f) => !isExpressionFinding(f));
  const setOptional = (field: string, value: unknown) => onPatch(id, omitEmpty(data, field, value), field);
  const Form = FORMS[type];

  return (
    <div className="bf-inspector" data-testid="inspector">
      <div className="bf-panel-head">
        <span className={`bf-node-icon bf-node-icon--${type}`}><Icon name={type} /></span> {t(`type.${type}`)}
        {/* The step's internal id stays off screen: people know steps by their kind and text. */}
      </div>
      {otherFindings.length ? (
        <ul className="bf-inline-findings">
          {otherFindings.map((f, i) => (
            <li key={i} className={`is-${f.severity}`}>
              {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="bf-form">
        {Form ? <Form {...props} /> : null}
        {type === "message" || type === "buttons" ? (
          <p className="bf-field-hint" data-testid="outside-window-hint">
            {t(whatsapp ? "f.outside_window_on" : "f.outside_window_hint")}
          </p>
        ) : null}
        <label className="bf-check" title={t("f.entry_hint")}>
          <input
            type="checkbox"
            checked={data.entry === true}
            data-testid="entry-flag"
            onChange={(e) => setOptional("entry", e.target.checked ? true : null)}
          />
          {t("f.entry")}
        </label>
        <span className="bf-field-hint">{t("f.entry_hint")}</span>
      </div>
      <div className="bf-panel-foot">
        <button type="button" className="bf-btn" disabled={props.isStart} onClick={() => props.onSetStart(id)}>
          {props.isStart ? t("node.is_start") : t("node.set_start")}
        </button>
        <button type="button" className="bf-btn bf-btn-danger" onClick={() => props.onDelete(id)}>
          {t("common.delete")}
        </button>
      </div>
    </div>
  );
}

export const Inspector = memo(InspectorImpl);
