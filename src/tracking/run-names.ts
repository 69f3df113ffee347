import { randomInt } from 'node:crypto';

const ADJECTIVES = ['able', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'eager', 'fair', 'fast', 'gentle', 'glad', 'grand', 'keen', 'kind', 'lucky', 'merry', 'nimble', 'proud', 'quick', 'quiet', 'rare', 'sharp', 'shy', 'smart', 'sunny', 'swift', 'tidy', 'vast', 'warm', 'wise', 'zesty'];
const NOUNS = ['ant', 'bass', 'bear', 'bee', 'cat', 'crane', 'deer', 'dove', 'eel', 'elk', 'fox', 'frog', 'gull', 'hare', 'hawk', 'ibis', 'jay', 'koi', 'lark', 'lynx', 'mole', 'moth', 'newt', 'owl', 'panda', 'quail', 'ram', 'seal', 'slug', 'swan', 'toad', 'wolf', 'wren', 'yak'];

/** A readable random run name, like MLflow's (`bold-owl-123`). */
export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
