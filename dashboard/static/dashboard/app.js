'use strict';
// The page's behaviour beyond htmx: filters that apply when a choice is made, not on every
// keystroke; focus and scroll to what a write answered; messages that stay until dismissed;
// a CSV download of every table as shown. Each part also works without this file: filters
// submit with their button, messages are plain text, tables stay tables.
(function () {
  document.documentElement.classList.add('js');

  // -- Filters: form.filters[data-apply] sends an `apply` event that htmx listens for.
  // A pointer's choice applies at once; with the keyboard, a select applies on Enter or
  // on leaving it (ArrowDown only moves through the options), and a typed field applies
  // when it is left or on Enter (never mid-typing). Focus stays where the user put it
  // (htmx keeps focus on an element with an id across the swap).
  let keyed = null;

  function apply(form) {
    if (!form.reportValidity()) {
      return;  // a malformed date: the browser says how to write it, beside the field
    }
    delete form.dataset.dirty;
    if (window.htmx) {
      window.htmx.trigger(form, 'apply');
    } else {
      form.requestSubmit();
    }
  }

  function filterForm(target) {
    return target && target.closest ? target.closest('form[data-apply]') : null;
  }

  document.addEventListener('keydown', function (event) {
    const form = filterForm(event.target);
    if (!form) {
      return;
    }
    keyed = event.target;
    if (event.key === 'Enter' && event.target.tagName === 'SELECT') {
      event.preventDefault();
      apply(form);
    }
  });

  document.addEventListener('pointerdown', function () {
    keyed = null;
  });

  document.addEventListener('change', function (event) {
    const form = filterForm(event.target);
    if (!form) {
      return;
    }
    if (event.target.tagName === 'SELECT' && keyed !== event.target) {
      apply(form);  // chosen with the pointer: nothing more is coming
    } else {
      form.dataset.dirty = 'true';
    }
  });

  document.addEventListener('focusout', function (event) {
    const form = filterForm(event.target);
    if (form && form.dataset.dirty && !form.contains(event.relatedTarget)) {
      apply(form);
    }
  });

  document.addEventListener('focusin', function (event) {
    // Moving to the next field of the same form applies what the last one changed.
    const form = filterForm(event.target);
    if (form && form.dataset.dirty && keyed && keyed !== event.target) {
      apply(form);
    }
  });

  document.addEventListener('submit', function (event) {
    const form = filterForm(event.target);
    if (form) {
      delete form.dataset.dirty;
    }
  });

  // A view the server refuses (a date out of range, say: 400, which htmx does not swap)
  // says why beside the filters, on the field it names, instead of nothing happening.
  document.addEventListener('htmx:responseError', function (event) {
    const form = filterForm(event.detail.elt);
    const shown = form && form.querySelector('.filter-error');
    if (!shown) {
      return;
    }
    const answer = new DOMParser().parseFromString(event.detail.xhr.responseText, 'text/html');
    const reason = answer.querySelector('main .error');
    shown.textContent = reason ? reason.textContent.trim() : 'This view cannot be shown (' + event.detail.xhr.status + ').';
    shown.hidden = false;
    const parameter = answer.querySelector('main .error code');
    const field = parameter && form.querySelector('[name="' + parameter.textContent.trim() + '"]');
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.setAttribute('aria-errormessage', 'filter-error');
      field.focus();
    }
  });

  // -- After a write: the first error's field, else the message, is scrolled to and focused.
  function attend(root) {
    const field = root.querySelector('.field.invalid input, .field.invalid select, .field.invalid textarea');
    const message = root.querySelector('[data-attend]');
    const target = field || message;
    if (target) {
      target.scrollIntoView({block: 'center'});
      target.focus({preventScroll: true});
    }
  }

  // -- Messages stay until dismissed.
  document.addEventListener('click', function (event) {
    const button = event.target.closest && event.target.closest('[data-dismiss]');
    if (button) {
      button.closest('.notice').remove();
    }
  });

  // -- Tables: a "Download CSV" of exactly the rows shown.
  // As tracker/spreadsheets.py: text a spreadsheet would run as a formula gets an apostrophe
  // (numbers, negative ones included, stay numbers).
  const TRIGGER = /^[=+\-@\t\r]/;
  const NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

  function csvCell(text) {
    let value = text.replace(/\s+/g, ' ').trim();
    if (TRIGGER.test(value) && !NUMBER.test(value)) {
      value = "'" + value;
    }
    return /[",\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
  }

  function tableCsv(table) {
    return Array.from(table.rows).map(function (row) {
      return Array.from(row.cells).map(function (cell) {
        return csvCell(cell.textContent);  // as written, not as styled (headers are upper-cased)
      }).join(',');
    }).join('\r\n') + '\r\n';
  }

  function offerCsv(root) {
    root.querySelectorAll('table[data-csv]').forEach(function (table) {
      if (table.dataset.csvOffered) {
        return;
      }
      table.dataset.csvOffered = 'true';
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary small';
      button.textContent = 'Download this table (CSV)';
      button.addEventListener('click', function () {
        const blob = new Blob([tableCsv(table)], {type: 'text/csv'});
        const link = document.createElement('a');
        link.href = URL.createObjectURL(blob);
        link.download = table.dataset.csv + '.csv';
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 0);
      });
      let tools = table.parentElement.querySelector(':scope > .table-tools');
      if (!tools) {
        tools = document.createElement('p');
        tools.className = 'table-tools';
        table.after(tools);
      }
      tools.prepend(button);
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    offerCsv(document);
    attend(document);
    if (window.htmx) {
      window.htmx.onLoad(offerCsv);
      document.body.addEventListener('htmx:afterSettle', function (event) {
        if (event.detail.requestConfig && event.detail.requestConfig.verb !== 'get') {
          attend(event.detail.target.isConnected ? event.detail.target : document);
        }
      });
    }
  });
})();
