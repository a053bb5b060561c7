/**
 * The look of rendered messages, close to Slack's: Lato or the system font, message rows with a bold
 * author and a grey time, Slack's button colours, grey code, quotes with a left bar, two-column fields.
 */
export const PLAYGROUND_CSS = `
.pw-message, .pw-view {
  font-family: Lato, -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px;
  line-height: 1.46668;
  color: #1d1c1d;
}
.pw-message { display: flex; gap: 8px; padding: 8px 20px; }
.pw-message:hover { background: #f8f8f8; }
.pw-message-ephemeral { background: #f4ede4; }
.pw-avatar {
  flex: 0 0 36px; width: 36px; height: 36px; border-radius: 4px; background: #4a154b; color: #fff;
  display: flex; align-items: center; justify-content: center; font-weight: 700;
}
.pw-message-bot .pw-avatar { background: #2eb67d; }
.pw-message-body { flex: 1 1 auto; min-width: 0; }
.pw-meta { display: flex; align-items: baseline; gap: 6px; flex-wrap: wrap; }
.pw-author { font-weight: 900; }
.pw-app-badge {
  font-size: 10px; font-weight: 700; color: #616061; background: #e8e8e8; border-radius: 2px; padding: 0 3px;
}
.pw-time { font-size: 12px; color: #616061; }
.pw-ephemeral-label { font-size: 12px; color: #616061; font-style: italic; }
.pw-edited { font-size: 12px; color: #616061; margin-left: 4px; }
.pw-content { overflow-wrap: anywhere; }
.pw-mrkdwn, .pw-text, .pw-field, .pw-context-text, .pw-rich-text { white-space: pre-wrap; }
.pw-block { margin: 4px 0; }
.pw-block-section { display: flex; gap: 12px; align-items: flex-start; }
.pw-section-main { flex: 1 1 auto; min-width: 0; }
.pw-accessory { flex: 0 0 auto; }
.pw-accessory-image { width: 88px; height: 88px; object-fit: cover; border-radius: 4px; }
.pw-fields { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px 16px; margin-top: 4px; }
.pw-header-text { font-size: 18px; font-weight: 900; margin: 8px 0 4px; line-height: 1.33; }
.pw-block-context { display: flex; align-items: center; flex-wrap: wrap; gap: 4px 8px; font-size: 13px; color: #616061; }
.pw-context-image { width: 20px; height: 20px; border-radius: 4px; }
.pw-divider { border: 0; border-top: 1px solid #dddddd; margin: 8px 0; }
.pw-actions-row { display: flex; flex-wrap: wrap; gap: 8px; }
.pw-button {
  font: inherit; font-size: 15px; font-weight: 700; height: 36px; min-width: 56px; padding: 0 12px;
  border-radius: 4px; border: 1px solid rgba(29, 28, 29, 0.3); background: #fff; color: #1d1c1d; cursor: pointer;
}
.pw-button:hover { background: #f8f8f8; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.08); }
.pw-button-primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.pw-button-primary:hover { background: #148567; }
.pw-button-danger { background: #e01e5a; border-color: #e01e5a; color: #fff; }
.pw-button-danger:hover { background: #e23067; }
.pw-button:disabled { opacity: 0.5; cursor: default; }
.pw-element-placeholder {
  display: inline-flex; align-items: center; height: 36px; padding: 0 12px; border-radius: 4px;
  border: 1px dashed rgba(29, 28, 29, 0.3); color: #616061; font-size: 13px; background: #f8f8f8;
}
.pw-figure { margin: 4px 0; }
.pw-image { max-width: 360px; max-height: 360px; border-radius: 8px; display: block; }
.pw-image-title { font-size: 13px; color: #616061; margin-bottom: 4px; }
.pw-image-missing { color: #616061; font-style: italic; }
.pw-code {
  font-family: Monaco, Menlo, Consolas, "Courier New", monospace; font-size: 12px; color: #e01e5a;
  background: rgba(29, 28, 29, 0.04); border: 1px solid rgba(29, 28, 29, 0.13); border-radius: 3px; padding: 2px 3px;
}
.pw-pre {
  font-family: Monaco, Menlo, Consolas, "Courier New", monospace; font-size: 12px; line-height: 1.5;
  background: rgba(29, 28, 29, 0.04); border: 1px solid rgba(29, 28, 29, 0.13); border-radius: 4px;
  padding: 8px; margin: 4px 0; white-space: pre-wrap; overflow-wrap: anywhere;
}
.pw-pre .pw-code { color: inherit; background: none; border: 0; padding: 0; }
.pw-quote { border-left: 4px solid #dddddd; margin: 4px 0; padding: 0 0 0 12px; }
.pw-list { margin: 2px 0; padding-left: 24px; white-space: normal; }
.pw-indent-1 { margin-left: 24px; } .pw-indent-2 { margin-left: 48px; } .pw-indent-3 { margin-left: 72px; }
.pw-indent-4 { margin-left: 96px; } .pw-indent-5 { margin-left: 120px; } .pw-indent-6 { margin-left: 144px; }
.pw-indent-7 { margin-left: 168px; } .pw-indent-8 { margin-left: 192px; }
ol.pw-rt-list.pw-indent-1, ol.pw-rt-list.pw-indent-4, ol.pw-rt-list.pw-indent-7 { list-style-type: lower-alpha; }
ol.pw-rt-list.pw-indent-2, ol.pw-rt-list.pw-indent-5, ol.pw-rt-list.pw-indent-8 { list-style-type: lower-roman; }
ul.pw-rt-list.pw-indent-1, ul.pw-rt-list.pw-indent-4, ul.pw-rt-list.pw-indent-7 { list-style-type: circle; }
ul.pw-rt-list.pw-indent-2, ul.pw-rt-list.pw-indent-5, ul.pw-rt-list.pw-indent-8 { list-style-type: square; }
.pw-rt-border { border-left: 2px solid #dddddd; }
.pw-link { color: #1264a3; text-decoration: none; }
.pw-link:hover { text-decoration: underline; }
.pw-mention, .pw-channel, .pw-broadcast {
  color: #1264a3; background: rgba(29, 155, 209, 0.1); border-radius: 3px; padding: 0 2px; font-weight: 500;
}
.pw-broadcast { color: #1d1c1d; background: rgba(242, 199, 68, 0.4); }
.pw-emoji { font-family: "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji", sans-serif; }
.pw-markdown { white-space: normal; }
.pw-md-p { margin: 4px 0; }
.pw-md-heading { margin: 8px 0 4px; line-height: 1.3; }
h1.pw-md-heading { font-size: 22px; } h2.pw-md-heading { font-size: 19px; } h3.pw-md-heading { font-size: 17px; }
h4.pw-md-heading, h5.pw-md-heading, h6.pw-md-heading { font-size: 15px; }
.pw-table { border-collapse: collapse; margin: 4px 0; font-size: 14px; }
.pw-table th, .pw-table td { border: 1px solid #dddddd; padding: 4px 8px; text-align: left; }
.pw-table th { background: #f8f8f8; font-weight: 700; }
.pw-files { display: flex; flex-direction: column; gap: 6px; margin-top: 6px; }
.pw-file {
  display: inline-flex; flex-direction: column; gap: 4px; align-self: flex-start; max-width: 420px;
  border: 1px solid #dddddd; border-radius: 8px; padding: 8px 12px;
}
.pw-file-image { max-width: 360px; max-height: 240px; border-radius: 4px; }
.pw-file-link { color: #1264a3; font-weight: 700; text-decoration: none; }
.pw-file-size { font-size: 12px; color: #616061; }
.pw-unsupported { font-size: 12px; color: #616061; font-style: italic; }
.pw-input-label { font-weight: 700; margin-bottom: 4px; }
.pw-input-hint { font-size: 13px; color: #616061; margin-top: 4px; }
.pw-task { margin-right: 2px; }
.pw-plan-title { font-weight: 700; margin: 2px 0 4px; }
.pw-plan-tasks, .pw-block-task_card { border: 1px solid #dddddd; border-radius: 8px; padding: 4px 10px; }
.pw-taskcard { padding: 4px 0; }
.pw-taskcard + .pw-taskcard { border-top: 1px solid #eeeeee; }
.pw-taskcard-head { display: flex; gap: 6px; align-items: baseline; }
.pw-taskcard-title { font-weight: 700; }
.pw-taskcard-details, .pw-taskcard-output { font-size: 13px; margin-left: 22px; }
.pw-taskcard-details { color: #616061; }
.pw-view { background: #fff; }
.pw-view-modal { border-radius: 8px; box-shadow: 0 18px 48px rgba(0, 0, 0, 0.35); max-width: 520px; padding: 0 0 12px; }
.pw-view-title { font-size: 22px; font-weight: 900; margin: 0; padding: 16px 20px; border-bottom: 1px solid #dddddd; }
.pw-view-blocks { padding: 12px 20px; }
.pw-view-footer { display: flex; justify-content: flex-end; gap: 8px; padding: 12px 20px 0; border-top: 1px solid #dddddd; }
`;
