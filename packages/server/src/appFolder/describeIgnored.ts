import type { IgnoredFeature } from './AppConfig'

/** One ignored feature in a few words: `triggers (3 in triggers/): they never fire...`. */
export const describeIgnored = (item: IgnoredFeature): string =>
  `${item.feature} (${item.count > 1 ? `${item.count} in ` : ''}${item.where}): ${item.note}`

/** The start-up summary of what the server does not run, in one line; undefined for nothing. */
export const ignoredSummary = (ignored: readonly IgnoredFeature[]): string | undefined =>
  ignored.length === 0
    ? undefined
    : `not run by this server (ignored): ${ignored.map(describeIgnored).join('; ')}`
