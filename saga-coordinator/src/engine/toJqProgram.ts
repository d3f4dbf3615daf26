/**
 * Conductor runs jq with jackson-jq, which accepts any expression as an object value (`{a: .x // "d"}`); jq itself
 * only takes a pipe or a term there. Wrapping every object value in parentheses means the same in both and lets
 * jq compile what Conductor accepts (the corpus relies on it).
 */
export const toJqProgram = (query: string): string => {
  let out = '';
  // one entry per open bracket: for `{`, whether a value is open (after its `:`)
  const stack: { bracket: string; inValue: boolean }[] = [];
  let index = 0;
  while (index < query.length) {
    const char = query[index] as string;
    if (char === '"') {
      let end = index + 1;
      while (end < query.length && query[end] !== '"') end += query[end] === '\\' ? 2 : 1;
      out += query.slice(index, end + 1);
      index = end + 1;
      continue;
    }
    if (char === '#') {
      const end = query.indexOf('\n', index);
      out += end === -1 ? query.slice(index) : query.slice(index, end);
      index = end === -1 ? query.length : end;
      continue;
    }
    const top = stack[stack.length - 1];
    if (char === '{' || char === '[' || char === '(') {
      stack.push({ bracket: char, inValue: false });
      out += char;
    } else if (char === '}' || char === ']' || char === ')') {
      if (top?.bracket === '{' && top.inValue) out += ')';
      stack.pop();
      out += char;
    } else if (top?.bracket === '{' && char === ':' && !top.inValue) {
      top.inValue = true;
      out += ':(';
    } else if (top?.bracket === '{' && char === ',' && top.inValue) {
      top.inValue = false;
      out += '),';
    } else {
      out += char;
    }
    index += 1;
  }
  return out;
};
