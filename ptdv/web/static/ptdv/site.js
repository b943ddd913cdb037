/* ptdv: the little behaviour the pages need, in a file because the Content-Security-Policy
   allows no inline script (no onclick="…", no <script>…</script>). */
(function () {
  "use strict";

  // A button marked data-ptdv-print prints the page (the reports' "In").
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-ptdv-print]")) {
      window.print();
    }
  });

  // htmx swaps nothing when the server answers with an error (400 refused input, 429, 503 busy):
  // show the error page's message (its [data-ptdv-error] element) above the page instead of
  // leaving the click without an answer. textContent only: nothing of the response runs.
  function showError(message) {
    var region = document.getElementById("ptdv-alerts");
    if (!region) {
      return;
    }
    var alert = document.createElement("div");
    alert.className = "alert alert-danger";
    alert.setAttribute("role", "alert");
    alert.textContent = message || region.getAttribute("data-fallback");
    region.replaceChildren(alert);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var message = "";
    if (xhr && xhr.responseText) {
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var source = page.querySelector("[data-ptdv-error]");
      message = source ? source.textContent.trim() : "";
    }
    showError(message);
  });

  document.addEventListener("htmx:sendError", function () {
    showError("");
  });

  // Pickers (ptdv/web/pickers.py): a text box whose matches htmx asks for as one types, and a
  // list chosen from with the keyboard (the ARIA 1.2 combobox pattern: focus stays in the box,
  // aria-activedescendant names the option) or a tap. The form posts the chosen id from the
  // hidden input beside the box; typing again empties it until an option is chosen.
  function pickerOf(node) {
    return node && node.closest ? node.closest("[data-ptdv-picker]") : null;
  }

  function parts(picker) {
    return {
      picker: picker,
      input: picker.querySelector("[data-picker-input]"),
      value: picker.querySelector("[data-picker-value]"),
      box: picker.querySelector("[data-picker-box]"),
      status: picker.querySelector("[data-picker-status]")
    };
  }

  function options(p) {
    return Array.prototype.slice.call(p.box.querySelectorAll("[role=option]"));
  }

  function isOpen(p) {
    return !p.box.hidden;
  }

  function setActive(p, option) {
    options(p).forEach(function (o) {
      o.classList.toggle("is-active", o === option);
      o.setAttribute("aria-selected", o === option ? "true" : "false");
    });
    if (option) {
      p.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      p.input.removeAttribute("aria-activedescendant");
    }
  }

  function openList(p, open) {
    p.box.hidden = !open;
    p.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) {
      setActive(p, null);
    }
  }

  function choose(p, option) {
    if (!option || option.getAttribute("aria-disabled") === "true") {
      return false;
    }
    p.value.value = option.getAttribute("data-value");
    // The matches of a form sent without a choice (radio buttons) give way to this one.
    p.picker.querySelectorAll("input[type=radio]").forEach(function (radio) {
      radio.checked = false;
    });
    p.input.value = option.getAttribute("data-label");
    p.input.classList.remove("is-invalid");
    openList(p, false);
    p.status.textContent = p.input.getAttribute("data-chosen-text") + " " + p.input.value;
    p.value.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function move(p, delta) {
    var all = options(p);
    if (!all.length) {
      return;
    }
    var active = p.box.querySelector("[role=option].is-active");
    var index = all.indexOf(active);
    index = index < 0 ? (delta > 0 ? 0 : all.length - 1) : (index + delta + all.length) % all.length;
    setActive(p, all[index]);
  }

  function ask(p) {
    if (window.htmx) {
      window.htmx.trigger(p.input, "picker:open");
    }
  }

  document.addEventListener("keydown", function (event) {
    var picker = pickerOf(event.target);
    if (!picker || !event.target.hasAttribute("data-picker-input")) {
      return;
    }
    var p = parts(picker);
    var key = event.key;
    if (key === "ArrowDown" || key === "ArrowUp") {
      event.preventDefault();
      if (!isOpen(p)) {
        if (options(p).length || p.box.querySelector("p")) {
          openList(p, true);
        } else {
          ask(p);
          return;
        }
      }
      if (event.altKey) {
        return; // Alt+Down opens without moving (APG)
      }
      move(p, key === "ArrowDown" ? 1 : -1);
    } else if (key === "Enter") {
      if (!isOpen(p)) {
        return; // the form is submitted as usual
      }
      event.preventDefault();
      var active = p.box.querySelector("[role=option].is-active");
      var enabled = options(p).filter(function (o) {
        return o.getAttribute("aria-disabled") !== "true";
      });
      choose(p, active || (enabled.length === 1 ? enabled[0] : null));
    } else if (key === "Escape") {
      if (isOpen(p)) {
        event.preventDefault();
        openList(p, false);
      } else if (p.input.value) {
        event.preventDefault();
        p.input.value = "";
        p.value.value = "";
      }
    } else if (key === "Tab" && isOpen(p)) {
      openList(p, false);
    }
  });

  document.addEventListener("input", function (event) {
    var picker = pickerOf(event.target);
    if (picker && event.target.hasAttribute("data-picker-input")) {
      parts(picker).value.value = ""; // what was chosen no longer matches the text
    }
  });

  document.addEventListener("focusin", function (event) {
    var picker = pickerOf(event.target);
    if (!picker || !event.target.hasAttribute("data-picker-input")) {
      return;
    }
    var p = parts(picker);
    if (!p.input.value && !options(p).length) {
      ask(p); // an empty box lists the first matches at once
    } else if (!p.input.value) {
      openList(p, true);
    }
  });

  document.addEventListener("focusout", function (event) {
    var picker = pickerOf(event.target);
    if (!picker) {
      return;
    }
    window.setTimeout(function () {
      if (!picker.contains(document.activeElement)) {
        openList(parts(picker), false);
      }
    }, 150);
  });

  // A tap or a click chooses; the box keeps the focus.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest("[data-picker-box]")) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest ? event.target.closest("[data-picker-box] [role=option]") : null;
    if (option) {
      choose(parts(pickerOf(option)), option);
    }
  });

  // New matches: shown while the box has the focus, their count announced.
  document.addEventListener("htmx:afterSwap", function (event) {
    var box = event.detail.target;
    if (!box || !box.hasAttribute || !box.hasAttribute("data-picker-box")) {
      return;
    }
    var p = parts(pickerOf(box));
    var list = box.querySelector("[role=listbox]");
    p.status.textContent = list ? list.getAttribute("data-status") : "";
    openList(p, document.activeElement === p.input);
  });

  // A new answer clears the previous error.
  document.addEventListener("htmx:afterSwap", function () {
    var region = document.getElementById("ptdv-alerts");
    if (region) {
      region.replaceChildren();
    }
  });
  // Closing a candidacy (an exit step): the form marked data-ptdv-confirm-exit="<dialog id>" is
  // sent only from its dialog's "Xác nhận kết thúc hồ sơ" (data-ptdv-exit-confirmed, a submit
  // with the confirmation). Its other submits (the step's button, Enter in a box) open the
  // dialog instead; "Kiểm tra" (name="check") goes as it is. Listening in the capture phase on
  // the document stops the submit before htmx's own listener on the form sees it. Without
  // JavaScript, or without Bootstrap, the server asks the same on a page of its own.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-ptdv-confirm-exit")) {
      return;
    }
    var submitter = event.submitter;
    if (submitter && (submitter.hasAttribute("data-ptdv-exit-confirmed") || submitter.name === "check")) {
      var open = window.bootstrap && document.getElementById(form.getAttribute("data-ptdv-confirm-exit"));
      if (open && submitter.hasAttribute("data-ptdv-exit-confirmed")) {
        window.bootstrap.Modal.getOrCreateInstance(open).hide();
      }
      return;
    }
    var dialog = document.getElementById(form.getAttribute("data-ptdv-confirm-exit"));
    if (!dialog || !window.bootstrap || !window.bootstrap.Modal) {
      return;  // the server's confirmation page
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    window.bootstrap.Modal.getOrCreateInstance(dialog).show();
  }, true);

  // A form swapped by htmx while its dialog was closing would leave the dialog's backdrop over
  // the page: clear what Bootstrap left behind once no dialog is shown.
  document.addEventListener("htmx:afterSwap", function () {
    if (document.querySelector(".modal.show")) {
      return;
    }
    document.querySelectorAll(".modal-backdrop").forEach(function (backdrop) {
      backdrop.remove();
    });
    document.body.classList.remove("modal-open");
    document.body.style.removeProperty("overflow");
    document.body.style.removeProperty("padding-right");
  });
})();

// The vote form's official members: refreshed for the date typed (htmx), unless the user has
// typed a number of their own meanwhile (the refresh's answer must not overwrite it; the server
// warns when it differs from the records).
(function () {
  "use strict";
  document.addEventListener("input", function (event) {
    if (event.target.name === "official_members") {
      event.target.dataset.typed = "1";
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "field-official_members") {
      return;
    }
    var input = target.querySelector('[name="official_members"]');
    if (input && input.dataset.typed) {
      event.detail.shouldSwap = false;
    }
  });
})();

// The candidacy page's parts on a phone (web/candidacy/detail.html): under 576 px each part
// ([data-ptdv-part]) folds behind its heading, which becomes a button (the disclosure pattern:
// aria-expanded, aria-controls); one marked data-ptdv-open (the blockers) starts open. A link to
// a part (the bar of parts, "n vướng mắc") or an address ending in its #id opens it. Wider, the
// buttons go and every part is open; without JavaScript every part is open as well.
(function () {
  "use strict";
  var phone = window.matchMedia("(max-width: 575.98px)");

  function body(part) {
    return part.querySelector("[data-ptdv-part-body]");
  }

  function toggle(part) {
    return part.querySelector("[data-ptdv-part-toggle]");
  }

  function setOpen(part, open) {
    var button = toggle(part);
    if (button) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      body(part).hidden = !open;
    }
  }

  function targeted(part) {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    return Boolean(target && part.contains(target));
  }

  function fold(part) {
    var heading = part.querySelector("[data-ptdv-part-heading]");
    if (toggle(part) || !heading || !body(part)) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "ptdv-part-toggle";
    button.setAttribute("data-ptdv-part-toggle", "");
    button.setAttribute("aria-controls", body(part).id);
    while (heading.firstChild) {
      button.appendChild(heading.firstChild);
    }
    heading.appendChild(button);
    setOpen(part, part.hasAttribute("data-ptdv-open") || targeted(part));
  }

  function unfold(part) {
    var button = toggle(part);
    if (!button) {
      return;
    }
    var heading = button.parentNode;
    while (button.firstChild) {
      heading.insertBefore(button.firstChild, button);
    }
    heading.removeChild(button);
    body(part).hidden = false;
  }

  function apply() {
    document.querySelectorAll("[data-ptdv-part]").forEach(phone.matches ? fold : unfold);
  }

  function openTarget(id) {
    var target = id && document.getElementById(id);
    var part = target && target.closest("[data-ptdv-part]");
    if (part) {
      setOpen(part, true);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-ptdv-part-toggle]");
    if (button) {
      var part = button.closest("[data-ptdv-part]");
      setOpen(part, button.getAttribute("aria-expanded") !== "true");
      return;
    }
    var link = event.target.closest && event.target.closest('a[href^="#"]');
    if (link) {
      openTarget(decodeURIComponent(link.getAttribute("href").slice(1)));
    }
  });

  window.addEventListener("hashchange", function () {
    openTarget(decodeURIComponent(window.location.hash.slice(1)));
  });
  if (phone.addEventListener) {
    phone.addEventListener("change", apply);
  }
  apply();
})();
