/** What a person reads for one of the product's identifiers: a label, and a line saying what it means. */
export interface Words {
  label: string;
  explanation: string;
}
