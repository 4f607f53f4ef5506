// The cost of a document before it runs, counting what it can fan out to: each object field
// costs 1, times the number of parents it resolves under. A connection multiplies what is below
// it by its page size (`first`/`last`, default 20, at most 100); any other list by its `first`
// argument, the length of its `ids`, or 10. A query three connections deep at `first: 100`
// costs over a million; depth alone had weighed it at a few hundred.
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import type { Plugin } from "graphql-yoga";

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
const DEFAULT_LIST = 10;

type Variables = Record<string, unknown> | undefined;

function intValue(node: ValueNode | undefined, variables: Variables): number | undefined {
  if (!node) return undefined;
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.VARIABLE) {
    const value = variables?.[node.name.value];
    return typeof value === "number" ? value : undefined;
  }
  return undefined;
}

function listLength(node: ValueNode | undefined, variables: Variables): number | undefined {
  if (!node) return undefined;
  if (node.kind === Kind.LIST) return node.values.length;
  if (node.kind === Kind.VARIABLE) {
    const value = variables?.[node.name.value];
    return Array.isArray(value) ? value.length : undefined;
  }
  return undefined;
}

const clampPage = (n: number) => Math.min(Math.max(n, 0), MAX_PAGE);

/** How many times a field's selection runs per parent. */
function multiplier(
  parent: GraphQLNamedType,
  def: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Variables,
): number {
  const arg = (name: string) => node.arguments?.find((a) => a.name.value === name)?.value;
  const page = intValue(arg("first"), variables) ?? intValue(arg("last"), variables);
  const named = getNamedType(def.type);
  if (named.name.endsWith("Connection")) return clampPage(page ?? DEFAULT_PAGE);
  if (!isListType(getNullableType(def.type))) return 1;
  // A connection's own edges and nodes: its page size already counted them.
  if (parent.name.endsWith("Connection")) return 1;
  if (page !== undefined) return clampPage(page);
  const declared = def.args.find((a) => a.name === "first")?.defaultValue;
  if (typeof declared === "number") return clampPage(declared);
  return listLength(arg("ids"), variables) ?? DEFAULT_LIST;
}

export function documentCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Variables,
  operationName?: string | null,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  const selectionCost = (
    set: SelectionSetNode | undefined,
    type: GraphQLNamedType,
    seen: Set<string>,
  ): number => {
    if (!set) return 0;
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!isObjectType(type) && !isInterfaceType(type)) continue;
        // Introspection (`__schema`, `__type`) and `__typename` are not on the type: free.
        const def = type.getFields()[selection.name.value];
        if (!def) continue;
        const named = getNamedType(def.type);
        if (!isCompositeType(named)) continue;
        total +=
          1 +
          multiplier(type, def, selection, variables) *
            selectionCost(selection.selectionSet, named, seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition
          ? (schema.getType(selection.typeCondition.name.value) ?? type)
          : type;
        total += selectionCost(selection.selectionSet, on, seen);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A cycle is invalid (validation says so); do not follow it here.
        if (!fragment || seen.has(name)) continue;
        const on = schema.getType(fragment.typeCondition.name.value) ?? type;
        total += selectionCost(fragment.selectionSet, on, new Set(seen).add(name));
      }
    }
    return total;
  };

  let cost = 0;
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName && d.name?.value !== operationName) continue;
    const root =
      d.operation === "query"
        ? schema.getQueryType()
        : d.operation === "mutation"
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    if (root) cost = Math.max(cost, selectionCost(d.selectionSet, root, new Set()));
  }
  return cost;
}

/**
 * Refuses operations over `maxCost` before they run. At execution rather than validation: the
 * cost depends on the variables (`first: $n`), and validation results are cached per document.
 */
export function costLimit(maxCost: number): Plugin {
  const check = (args: {
    schema: GraphQLSchema;
    document: DocumentNode;
    variableValues?: Variables | null;
    operationName?: string | null;
  }) => {
    const cost = documentCost(
      args.schema,
      args.document,
      args.variableValues ?? undefined,
      args.operationName,
    );
    return cost > maxCost
      ? new GraphQLError(
          `Query cost ${cost} is over the limit of ${maxCost}: ask for smaller pages (first/last) or fewer nested lists`,
          { extensions: { code: "COST_LIMIT", cost, maxCost, http: { status: 400 } } },
        )
      : null;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const refusal = check(args as never);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const refusal = check(args as never);
      if (refusal) setResultAndStopExecution({ errors: [refusal] });
    },
  };
}
