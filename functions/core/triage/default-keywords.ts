/**
 * A starter keyword set per intent, for tenants that declared none: a few words and phrases in the languages
 * the built-in classifier handles (mostly English, Spanish, German, French and Portuguese), matched accent-
 * and case-insensitively (words of 5+ letters also as a prefix: `erstatt` matches `Erstattung`). The triage
 * accuracy figures of the test suite are measured with it (test/unit/triage/evaluation.ts), so a change here
 * shows in those figures. A tenant replaces it as a whole with `PUT /v1/settings/triage`.
 */
export const DEFAULT_TRIAGE_KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  billing: ['invoice', 'factura', 'rechnung', 'facture', 'fatura', 'vat', 'mwst', 'lastschrift'],
  refund: [
    'refund',
    'money back',
    'reembolso',
    'devuelvan el dinero',
    'erstatt',
    'geld zurück',
    'rembours',
    'rimborso',
  ],
  login: [
    'log in',
    'login',
    'password',
    'contraseña',
    'passwort',
    'einloggen',
    'mot de passe',
    'senha',
    'inloggen',
  ],
  bug: ['crash', 'export', 'se cierra', 'stürzt ab', 'plante', 'fecha sozinho'],
  outage: ['outage', 'is down', 'caída', 'caido', 'ausfall', 'en panne', 'fora do ar', '502', '503'],
  shipping: [
    'order',
    'tracking',
    'delivery',
    'pedido',
    'envío',
    'bestellung',
    'lieferung',
    'paket',
    'commande',
    'colis',
  ],
  account_change: ['change email', 'transfer ownership', 'gdpr', 'rgpd', 'dsgvo', 'upgrade'],
  feature_request: [
    'feature',
    'suggestion',
    'would be nice',
    'sugerencia',
    'vorschlag',
    'wäre toll',
    'sugestão',
  ],
  how_to: ['how do i', 'how can i', 'cómo puedo', 'wie kann ich', 'comment puis', 'como posso'],
  cancellation: ['cancel', 'cancelar', 'darme de baja', 'kündig', 'résilier', 'opzeggen'],
};
