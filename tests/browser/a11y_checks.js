// The accessibility problems on the current screen, as lists of descriptions (empty when all is
// well): controls without a label, targets smaller than 48 x 48 px (a radio or checkbox counts by
// its label, which is what the finger hits) and horizontal overflow. Evaluated by test_screens.py.
() => {
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0 && !el.closest('[hidden]')
      && getComputedStyle(el).visibility !== 'hidden';
  };
  const describe = (el) => `${el.tagName.toLowerCase()}[${el.name || el.getAttribute('href') || ''}] "${(el.textContent || '').trim().slice(0, 40)}"`;
  const unlabelled = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
    .map(describe);
  const small = [...document.querySelectorAll('button, a[href], select, input:not([type=hidden]), textarea, summary')]
    .filter(shown)
    .map((el) => {
      const target = el.matches('input[type=radio], input[type=checkbox]') ? (el.closest('label') ?? el) : el;
      const box = target.getBoundingClientRect();
      return box.width < 47.5 || box.height < 47.5 ? `${describe(el)} ${Math.round(box.width)}x${Math.round(box.height)}` : null;
    })
    .filter(Boolean);
  const root = document.documentElement;
  const overflow = root.scrollWidth > root.clientWidth
    ? [`page is ${root.scrollWidth}px wide in a ${root.clientWidth}px viewport: ` +
       [...document.querySelectorAll('main *')].filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1)
         .slice(0, 3).map(describe).join(', ')]
    : [];
  return { unlabelled, small, overflow };
}
