/** Roles that may perform security writes (alert status, exemptions, governance rules): the server's `securityWrite`. */
export const SECURITY_WRITE_ROLES = ['SecurityAdmin', 'Contributor', 'Owner'];

export function canWriteSecurity(role: string): boolean {
  return SECURITY_WRITE_ROLES.includes(role);
}
