/**
 * Where an app keeps its users' custom data (`auth/custom_user_data.json`): the part the
 * collection layer and the token's lookup need, as plain data.
 */
export interface CustomDataLocation {
  /** The data source (`mongodb-atlas`, or the one the app named). */
  readonly serviceName: string
  readonly databaseName: string
  readonly collectionName: string
  /** The field holding the owner's user id; dots for nested fields. */
  readonly userIdField: string
}
