// Inspector form for the jump step. A jump to another step or scenario.
import { useFormKit, type FormProps } from "./kit";
import { Field, NodeSelect } from "../fields";

export function JumpForm(props: FormProps) {
  const { data, nodeIds, nodeTitles } = props;
  const { t, setOptional } = useFormKit(props);
  return (
    <>
      <Field label={t("f.jump_node")}>
        <NodeSelect value={data.node ?? ""} nodeIds={nodeIds} nodeTitles={nodeTitles} onChange={(id) => setOptional("node", id)} />
      </Field>
      <Field label={t("f.jump_scenario")} hint={t("f.jump_scenario_hint")}>
        <input type="text" value={data.scenario ?? ""} onChange={(e) => setOptional("scenario", e.target.value)} />
      </Field>
    </>
  );
}
