/** The operator's name, asked once and kept in this browser; the API records it with each action (X-Waggle-Operator). */
const key = 'waggle.operator';

export const operatorName = (): string => {
  try {
    return localStorage.getItem(key)?.trim() ?? '';
  } catch {
    // storage refused (a private window's policy): the name is asked again each time
    return '';
  }
};

export const rememberOperator = (name: string): void => {
  try {
    localStorage.setItem(key, name.trim());
  } catch {
    // not kept: asked again next time
  }
};
