/* The newsletter block editor: add, move and remove blocks, Markdown shortcuts and image upload.
 *
 * Progressive: without this script every button posts the form and the server answers with the page
 * changed (kulturkluster/web/staff/newsletter_editor.py). With it the same buttons work in place; after
 * each change the fields are renumbered (b<n>.<field>, n = position from 1), focus goes somewhere
 * sensible, a live region says what happened and the form fires "kk-changed" for the htmx preview.
 * Image upload contract: POST /app/nyhetsbrev/bilder, multipart field "file", header X-CSRF-Token;
 * 200 {"url", "width", "height"} or 4xx {"error"} (Swedish).
 */
(function () {
  "use strict";
  var form = document.getElementById("block-editor");
  if (!form) { return; }
  var list = document.getElementById("blocks");
  var live = document.getElementById("editor-status");
  var UPLOAD_URL = "/app/nyhetsbrev/bilder";
  var ACTIONS = { up: "upp-", down: "ner-", remove: "bort-" };
  var NUMBERED = ["name", "id", "for", "aria-describedby", "aria-controls"];
  var TEXTS = JSON.parse(document.getElementById("editor-texts").textContent);

  function say(key, values) {  // a text from the catalogue (kulturkluster/texts/editor.py), filled in
    return TEXTS[key].replace(/\{(\w+)\}/g, function (_, name) { return String(values[name]); });
  }

  function blocks() { return Array.prototype.slice.call(list.children); }
  function capital(text) { return text.charAt(0).toUpperCase() + text.slice(1); }
  function csrf() { return form.querySelector("input[name='csrf_token']").value; }
  function changed() { form.dispatchEvent(new Event("kk-changed", { bubbles: true })); }

  function announce(text) {
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 60);
  }

  function renumber() {
    blocks().forEach(function (li, index) {
      var n = String(index + 1);
      li.querySelectorAll("*").forEach(function (el) {
        NUMBERED.forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(/^b(?:\d+|__N__)\./, "b" + n + ".")); }
        });
      });
      li.querySelector(".block-number").textContent = say("block_number", { number: n });
      li.querySelectorAll(".block-ref").forEach(function (ref) { ref.textContent = say("block_ref", { number: n }); });
      li.querySelectorAll("[data-action]").forEach(function (button) {
        button.value = ACTIONS[button.dataset.action] + n;
      });
    });
  }

  function enhance(root) {
    root.querySelectorAll(".md-toolbar, .upload").forEach(function (el) { el.hidden = false; });
  }

  function firstField(li) {
    return li.querySelector("input:not([type=hidden]):not([type=file]), textarea") || li.querySelector("legend");
  }

  function move(li, step, keep) {
    var other = step < 0 ? li.previousElementSibling : li.nextElementSibling;
    if (!other) {
      announce(say(step < 0 ? "first" : "last", {}));
      return;
    }
    list.insertBefore(li, step < 0 ? other : other.nextElementSibling);
    renumber();
    keep.focus();  // the moved block keeps the focus where it was
    var place = blocks().indexOf(li) + 1;
    announce(say("moved", { kind: capital(li.dataset.label), number: place, count: blocks().length }));
    changed();
  }

  function remove(li) {
    var index = blocks().indexOf(li);
    var label = li.dataset.label;
    li.remove();
    renumber();
    var rest = blocks();
    var next = rest[index] || rest[index - 1];
    (next ? next.querySelector("legend") : form.querySelector("[data-add]")).focus();
    announce(say("removed", { number: index + 1, kind: label, count: rest.length }));
    changed();
  }

  function add(kind) {
    var template = document.getElementById("new-block-" + kind);
    var li = template.content.querySelector("li").cloneNode(true);
    list.appendChild(li);
    enhance(li);
    renumber();
    firstField(li).focus();
    announce(say("added", { number: blocks().length, kind: li.dataset.label }));
    changed();
  }

  function format(area, kind) {
    var start = area.selectionStart, end = area.selectionEnd, value = area.value;
    var chosen = value.slice(start, end);
    var text, select;
    function wrap(mark, placeholder) {
      var inner = chosen || placeholder;
      text = mark + inner + mark;
      select = [start + mark.length, start + mark.length + inner.length];  // the words, ready to type over
    }
    if (kind === "bold") { wrap("**", say("placeholder.bold", {})); }
    else if (kind === "italic") { wrap("*", say("placeholder.italic", {})); }
    else if (kind === "link") {
      text = "[" + (chosen || say("placeholder.link", {})) + "](https://)";
      select = [start + text.length - 9, start + text.length - 1];  // the address, ready to type over
    } else {
      var lines = (chosen || "").split("\n").map(function (line) { return "- " + line.replace(/^- /, ""); });
      text = (start > 0 && value.charAt(start - 1) !== "\n" ? "\n" : "") + lines.join("\n");
      select = [start + text.length, start + text.length];  // the caret after "- ", ready to write
    }
    area.focus();
    area.setRangeText(text, start, end, "end");
    area.setSelectionRange(select[0], select[1]);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function upload(input) {
    var li = input.closest("li.block");
    var out = li.querySelector(".upload-status");
    var src = li.querySelector("input[name$='.src']");
    var data = new FormData();
    data.append("file", input.files[0]);
    out.classList.remove("error");
    out.textContent = say("uploading", { name: input.files[0].name });
    fetch(UPLOAD_URL, { method: "POST", body: data, credentials: "same-origin",
                        headers: { "X-CSRF-Token": csrf() } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        if (answer.ok && answer.body.url) {
          src.value = answer.body.url;
          out.textContent = say("uploaded", { width: answer.body.width, height: answer.body.height });
          changed();
        } else {
          out.classList.add("error");
          out.textContent = answer.body.error || say("upload_failed", {});
        }
      })
      .catch(function () {
        out.classList.add("error");
        out.textContent = say("upload_offline", {});
      });
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button || !form.contains(button)) { return; }
    var li = button.closest("li.block");
    if (button.dataset.action && li) {
      event.preventDefault();
      if (button.dataset.action === "remove") { remove(li); }
      else { move(li, button.dataset.action === "up" ? -1 : 1, button); }
    } else if (button.dataset.add) {
      event.preventDefault();
      add(button.dataset.add);
    } else if (button.dataset.md && li) {
      event.preventDefault();
      format(li.querySelector("textarea"), button.dataset.md);
    }
  });

  form.addEventListener("keydown", function (event) {
    var li = event.target.closest && event.target.closest("li.block");
    if (!li) { return; }
    if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();  // Alt+pil upp/ner flyttar blocket där man står
      move(li, event.key === "ArrowUp" ? -1 : 1, event.target);
      return;
    }
    var keys = { b: "bold", i: "italic", k: "link" };
    if ((event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA" && keys[event.key]) {
      event.preventDefault();
      format(event.target, keys[event.key]);
    }
  });

  form.addEventListener("change", function (event) {
    if (event.target.matches("input[type=file][data-upload]") && event.target.files.length) {
      upload(event.target);
    }
  });

  enhance(form);
  var focus = Number(form.dataset.focus || "0");
  if (focus && blocks()[focus - 1]) { blocks()[focus - 1].querySelector("legend").focus(); }
}());
