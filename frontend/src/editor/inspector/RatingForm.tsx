// Inspector form for the rating step. A rating question, an optional comment prompt and a thank-you.
import { useFormKit, type FormProps } from "./kit";

export function RatingForm(props: FormProps) {
  const { data } = props;
  const { t, set, tpl } = useFormKit(props);
  return (
    <>
      {tpl("prompt", t("f.question"))}
      <label className="bf-check">
        <input type="checkbox" checked={!!data.ask_comment} onChange={(e) => set("ask_comment", e.target.checked)} />
        {t("f.ask_comment")}
      </label>
      {data.ask_comment ? tpl("comment_prompt", t("f.comment_prompt")) : null}
      {tpl("thanks_text", t("f.thanks_text"))}
    </>
  );
}
