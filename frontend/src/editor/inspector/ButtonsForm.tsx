// Inspector form for the buttons step. A question with buttons: their labels and order, and the variable that stores the pick.
import { useFormKit, type FormProps } from "./kit";
import { VariableSelect } from "./controls";
import { Field } from "../fields";
import { randomId } from "../model/ids";

export function ButtonsForm(props: FormProps) {
  const { id, data, variables, onPatch } = props;
  const { t, setOptional, tpl } = useFormKit(props);
  const buttons: { id: string; label: string }[] = data.buttons ?? [];
  const setButtons = (b: typeof buttons) => onPatch(id, { ...data, buttons: b }, "buttons");
  return (
    <>
      {tpl("text", t("f.text"))}
      <div className="bf-field">
        <span className="bf-field-label">{t("f.buttons")}</span>
        {buttons.map((b, i) => (
          <div className="bf-row" key={b.id}>
            <input
              type="text"
              value={b.label}
              maxLength={64}
              aria-label={t("f.button_label", { n: i + 1 })}
              data-testid={`button-label-${i}`}
              onChange={(e) => setButtons(buttons.map((x, j) => (j === i ? { ...x, label: e.target.value } : x)))}
            />
            <button
              type="button"
              className="bf-icon-btn"
              title={t("f.move_up")}
              disabled={i === 0}
              onClick={() => {
                const next = [...buttons];
                [next[i - 1], next[i]] = [next[i], next[i - 1]];
                setButtons(next);
              }}
            >
              ↑
            </button>
            <button
              type="button"
              className="bf-icon-btn"
              title={t("common.delete")}
              disabled={buttons.length <= 1}
              onClick={() => setButtons(buttons.filter((_, j) => j !== i))}
            >
              ✕
            </button>
          </div>
        ))}
        <button
          type="button"
          className="bf-btn bf-btn-small"
          disabled={buttons.length >= 10}
          onClick={() => setButtons([...buttons, { id: randomId("b"), label: t("f.new_button", { n: buttons.length + 1 }) }])}
        >
          + {t("f.add_button")}
        </button>
        <span className="bf-field-hint">{t("f.operator_button_hint")}</span>
      </div>
      <Field label={t("f.store_variable")}>
        <VariableSelect value={data.variable ?? ""} variables={variables} onChange={(v) => setOptional("variable", v)} allowEmpty />
      </Field>
    </>
  );
}
