namespace NextStat.Kernels.Generators.Model;

/// <summary>
/// The element method's body lowered to a small expression tree that every width can be written from. Numbers are
/// of the kernel's element type; conditions are booleans (masks in vector code).
/// </summary>
internal abstract record ElementExpr;

/// <summary>A compile-time constant, already converted to the element type (kept as a double, exactly).</summary>
internal sealed record ConstantExpr(double Value) : ElementExpr;

/// <summary>A named value: an element parameter or a local.</summary>
internal sealed record NameExpr(string Name) : ElementExpr;

internal enum UnaryOperator
{
    Negate,
    Not,
}

internal sealed record UnaryExpr(UnaryOperator Operator, ElementExpr Operand) : ElementExpr;

internal enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    LessThan,
    LessThanOrEqual,
    GreaterThan,
    GreaterThanOrEqual,
    Equal,
    NotEqual,
    And,
    Or,
}

internal sealed record BinaryExpr(BinaryOperator Operator, ElementExpr Left, ElementExpr Right) : ElementExpr;

/// <summary><c>c ? a : b</c>; vector code evaluates both sides and selects per lane.</summary>
internal sealed record ConditionalExpr(ElementExpr Condition, ElementExpr WhenTrue, ElementExpr WhenFalse) : ElementExpr;

internal enum MathFunction
{
    Log,
    Exp,
    Sqrt,
    Abs,
    Min,
    Max,
    FusedMultiplyAdd,
}

internal sealed record CallExpr(MathFunction Function, EquatableArray<ElementExpr> Arguments) : ElementExpr;

/// <summary>A local of the lowered body, assigned once; <paramref name="IsCondition"/> marks a boolean (mask).</summary>
internal sealed record LocalDeclaration(string Name, bool IsCondition, ElementExpr Value);

/// <summary>The lowered element method: locals in order, then one result per output.</summary>
internal sealed record ElementBody(EquatableArray<LocalDeclaration> Locals, EquatableArray<ElementExpr> Results);
