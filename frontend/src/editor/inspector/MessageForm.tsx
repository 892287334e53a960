// Inspector form for the message step. A text message with an optional image, video, audio or file.
import { dynamicKey } from "../i18n";
import { useFormKit, type FormProps } from "./kit";
import { omitEmpty } from "./controls";
import { Field } from "../fields";

const MEDIA = ["image", "video", "audio", "file"];

export function MessageForm(props: FormProps) {
  const { data } = props;
  const { t, set, setOptional, tpl } = useFormKit(props);
  const media = data.media;
  return (
    <>
      {tpl("text", t("f.text"))}
      <Field label={t("f.media_url")} hint={t("f.media_hint")}>
        <input
          type="url"
          value={media?.url ?? ""}
          placeholder="https://…"
          onChange={(e) =>
            setOptional("media", e.target.value ? { kind: media?.kind ?? "image", ...media, url: e.target.value } : null)
          }
        />
      </Field>
      {media?.url ? (
        <>
          <Field label={t("f.media_kind")}>
            <select value={media.kind} onChange={(e) => set("media", { ...media, kind: e.target.value })}>
              {MEDIA.map((k) => (
                <option key={k} value={k}>
                  {t(dynamicKey(`media.${k}`))}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("f.caption")}>
            <input
              type="text"
              value={media.caption ?? ""}
              onChange={(e) => set("media", omitEmpty(media, "caption", e.target.value))}
            />
          </Field>
          <div className="bf-media-preview">
            {media.kind === "image" && !media.url.includes("{{") ? (
              <img src={media.url} alt={media.caption ?? ""} />
            ) : media.kind === "video" && !media.url.includes("{{") ? (
              <video src={media.url} controls />
            ) : media.kind === "audio" && !media.url.includes("{{") ? (
              <audio src={media.url} controls />
            ) : (
              <a href={media.url} target="_blank" rel="noreferrer">
                {media.url}
              </a>
            )}
          </div>
        </>
      ) : null}
    </>
  );
}
