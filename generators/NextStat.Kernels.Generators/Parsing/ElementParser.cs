using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NextStat.Kernels.Generators.Model;

namespace NextStat.Kernels.Generators.Parsing;

/// <summary>
/// Lowers an element method (and the kernel functions it calls, inlined) to an <see cref="ElementBody"/>. Anything
/// outside the supported subset becomes a diagnostic on the offending syntax, never silently different code.
/// </summary>
internal sealed class ElementParser
{
    private const int MaxPowExponent = 16;

    private readonly Compilation _compilation;
    private readonly ElementType _elementType;
    private readonly bool _floatMathAvailable;
    private readonly string _rootName;
    private readonly CancellationToken _cancellationToken;
    private readonly List<DiagnosticInfo> _diagnostics = [];
    private readonly List<LocalDeclaration> _locals = [];
    private readonly List<IMethodSymbol> _inlineStack = [];
    private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);
    private int _inlineCounter;

    private ElementParser(Compilation compilation, ElementType elementType, bool floatMathAvailable, string rootName, CancellationToken cancellationToken)
    {
        _compilation = compilation;
        _elementType = elementType;
        _floatMathAvailable = floatMathAvailable;
        _rootName = rootName;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Lowers <paramref name="method"/>; returns null and fills <paramref name="diagnostics"/> when it cannot.</summary>
    public static ElementBody? Parse(
        Compilation compilation,
        IMethodSymbol method,
        MethodDeclarationSyntax syntax,
        ElementType elementType,
        bool floatMathAvailable,
        List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        var parser = new ElementParser(compilation, elementType, floatMathAvailable, method.Name, cancellationToken);
        parser._inlineStack.Add(method);
        var parameters = new Dictionary<ISymbol, string>(SymbolEqualityComparer.Default);
        foreach (IParameterSymbol parameter in method.Parameters)
        {
            parameters[parameter] = Identifier.Escape(parameter.Name);
            parser._usedNames.Add(Identifier.Escape(parameter.Name));
        }

        List<ElementExpr>? results = parser.ParseMethod(method, syntax, parameters, localPrefix: string.Empty, allowTuple: true);
        diagnostics.AddRange(parser._diagnostics);
        if (results is null || parser._diagnostics.Count > 0)
        {
            return null;
        }

        return new ElementBody(parser._locals.ToEquatableArray(), results.ToEquatableArray());
    }

    private List<ElementExpr>? ParseMethod(
        IMethodSymbol method, MethodDeclarationSyntax syntax, Dictionary<ISymbol, string> names, string localPrefix, bool allowTuple)
    {
        SemanticModel model = _compilation.GetSemanticModel(syntax.SyntaxTree);
        if (syntax.ExpressionBody is { } arrow)
        {
            return ParseResult(model, arrow.Expression, names, allowTuple);
        }

        if (syntax.Body is null)
        {
            Report(Diagnostics.UnsupportedConstruct, syntax.Identifier.GetLocation(), method.Name, "a method without a body");
            return null;
        }

        SyntaxList<StatementSyntax> statements = syntax.Body.Statements;
        for (int s = 0; s < statements.Count; s++)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            StatementSyntax statement = statements[s];
            switch (statement)
            {
                case LocalDeclarationStatementSyntax declaration when declaration.IsConst:
                    // Constants are folded where they are used (GetConstantValue), so the declaration itself emits nothing.
                    break;
                case LocalDeclarationStatementSyntax declaration when declaration.Modifiers.Count == 0 && declaration.UsingKeyword == default:
                    foreach (VariableDeclaratorSyntax variable in declaration.Declaration.Variables)
                    {
                        if (variable.Initializer is null)
                        {
                            Report(Diagnostics.UnsupportedConstruct, variable.GetLocation(), method.Name, $"local '{variable.Identifier.ValueText}' without an initializer");
                            continue;
                        }

                        if (model.GetDeclaredSymbol(variable) is not ILocalSymbol local)
                        {
                            continue;
                        }

                        bool isCondition = local.Type.SpecialType == SpecialType.System_Boolean;
                        if (!isCondition && !IsElementType(local.Type))
                        {
                            Report(Diagnostics.UnsupportedConstruct, variable.GetLocation(), method.Name, $"local '{local.Name}' of type '{local.Type.ToDisplayString()}'");
                            continue;
                        }

                        ElementExpr? value = ParseExpression(model, variable.Initializer.Value, names);
                        if (value is null)
                        {
                            continue;
                        }

                        string name = Unique(Identifier.Escape(localPrefix + local.Name));
                        names[local] = name;
                        _locals.Add(new LocalDeclaration(name, isCondition, value));
                    }

                    break;
                case ReturnStatementSyntax { Expression: { } expression } when s == statements.Count - 1:
                    return ParseResult(model, expression, names, allowTuple);
                default:
                    Report(Diagnostics.UnsupportedConstruct, StatementLocation(statement), method.Name, DescribeStatement(model, statement));
                    break;
            }
        }

        if (statements.Count == 0 || statements[statements.Count - 1] is not ReturnStatementSyntax)
        {
            Report(Diagnostics.UnsupportedConstruct, syntax.Body.CloseBraceToken.GetLocation(), method.Name, "a body that does not end with 'return'");
        }

        return null;
    }

    private List<ElementExpr>? ParseResult(SemanticModel model, ExpressionSyntax expression, Dictionary<ISymbol, string> names, bool allowTuple)
    {
        if (expression is TupleExpressionSyntax tuple && allowTuple)
        {
            var results = new List<ElementExpr>();
            bool ok = true;
            foreach (ArgumentSyntax argument in tuple.Arguments)
            {
                ElementExpr? value = ParseExpression(model, argument.Expression, names);
                ok &= value is not null;
                if (value is not null)
                {
                    results.Add(value);
                }
            }

            return ok ? results : null;
        }

        ElementExpr? single = ParseExpression(model, expression, names);
        return single is null ? null : [single];
    }

    private ElementExpr? ParseExpression(SemanticModel model, ExpressionSyntax expression, Dictionary<ISymbol, string> names)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        TypeInfo typeInfo = model.GetTypeInfo(expression, _cancellationToken);
        Optional<object?> constant = model.GetConstantValue(expression, _cancellationToken);
        if (constant.HasValue && constant.Value is not bool && constant.Value is not null && IsElementType(typeInfo.ConvertedType))
        {
            return new ConstantExpr(ToElementValue(constant.Value));
        }

        bool isCondition = typeInfo.Type?.SpecialType == SpecialType.System_Boolean;
        if (!isCondition && !IsElementType(typeInfo.Type) && expression is not TupleExpressionSyntax)
        {
            string type = typeInfo.Type?.ToDisplayString() ?? "unknown type";
            Report(Diagnostics.UnsupportedConstruct, expression.GetLocation(), CurrentMethodName, $"an expression of type '{type}' ('{expression}')");
            return null;
        }

        if (!isCondition && typeInfo.ConvertedType is { } converted && !IsElementType(converted))
        {
            Report(Diagnostics.UnsupportedConstruct, expression.GetLocation(), CurrentMethodName, $"a conversion to '{converted.ToDisplayString()}' ('{expression}')");
            return null;
        }

        switch (expression)
        {
            case ParenthesizedExpressionSyntax parenthesized:
                return ParseExpression(model, parenthesized.Expression, names);

            case PrefixUnaryExpressionSyntax prefix:
                return ParsePrefix(model, prefix, names);

            case BinaryExpressionSyntax binary:
                return ParseBinary(model, binary, names);

            case ConditionalExpressionSyntax conditional:
            {
                ElementExpr? condition = ParseExpression(model, conditional.Condition, names);
                ElementExpr? whenTrue = ParseExpression(model, conditional.WhenTrue, names);
                ElementExpr? whenFalse = ParseExpression(model, conditional.WhenFalse, names);
                return condition is null || whenTrue is null || whenFalse is null ? null : new ConditionalExpr(condition, whenTrue, whenFalse);
            }

            case IdentifierNameSyntax identifier:
                return ParseIdentifier(model, identifier, names);

            case InvocationExpressionSyntax invocation:
                return ParseInvocation(model, invocation, names);

            default:
                Report(Diagnostics.UnsupportedConstruct, expression.GetLocation(), CurrentMethodName, DescribeExpression(model, expression));
                return null;
        }
    }

    private ElementExpr? ParsePrefix(SemanticModel model, PrefixUnaryExpressionSyntax prefix, Dictionary<ISymbol, string> names)
    {
        switch (prefix.Kind())
        {
            case SyntaxKind.UnaryPlusExpression:
                return ParseExpression(model, prefix.Operand, names);
            case SyntaxKind.UnaryMinusExpression:
            {
                ElementExpr? operand = ParseExpression(model, prefix.Operand, names);
                return operand is null ? null : new UnaryExpr(UnaryOperator.Negate, operand);
            }

            case SyntaxKind.LogicalNotExpression:
            {
                ElementExpr? operand = ParseExpression(model, prefix.Operand, names);
                return operand is null ? null : new UnaryExpr(UnaryOperator.Not, operand);
            }

            default:
                Report(Diagnostics.UnsupportedConstruct, prefix.OperatorToken.GetLocation(), CurrentMethodName, $"operator '{prefix.OperatorToken.Text}'");
                return null;
        }
    }

    private ElementExpr? ParseBinary(SemanticModel model, BinaryExpressionSyntax binary, Dictionary<ISymbol, string> names)
    {
        bool booleanOperands = model.GetTypeInfo(binary.Left, _cancellationToken).Type?.SpecialType == SpecialType.System_Boolean;
        BinaryOperator? op = binary.Kind() switch
        {
            SyntaxKind.AddExpression => BinaryOperator.Add,
            SyntaxKind.SubtractExpression => BinaryOperator.Subtract,
            SyntaxKind.MultiplyExpression => BinaryOperator.Multiply,
            SyntaxKind.DivideExpression => BinaryOperator.Divide,
            SyntaxKind.LessThanExpression => BinaryOperator.LessThan,
            SyntaxKind.LessThanOrEqualExpression => BinaryOperator.LessThanOrEqual,
            SyntaxKind.GreaterThanExpression => BinaryOperator.GreaterThan,
            SyntaxKind.GreaterThanOrEqualExpression => BinaryOperator.GreaterThanOrEqual,
            SyntaxKind.EqualsExpression when !booleanOperands => BinaryOperator.Equal,
            SyntaxKind.NotEqualsExpression when !booleanOperands => BinaryOperator.NotEqual,
            SyntaxKind.LogicalAndExpression or SyntaxKind.BitwiseAndExpression when booleanOperands => BinaryOperator.And,
            SyntaxKind.LogicalOrExpression or SyntaxKind.BitwiseOrExpression when booleanOperands => BinaryOperator.Or,
            _ => null,
        };
        if (op is null)
        {
            Report(Diagnostics.UnsupportedConstruct, binary.OperatorToken.GetLocation(), CurrentMethodName, $"operator '{binary.OperatorToken.Text}'");
            return null;
        }

        ElementExpr? left = ParseExpression(model, binary.Left, names);
        ElementExpr? right = ParseExpression(model, binary.Right, names);
        return left is null || right is null ? null : new BinaryExpr(op.Value, left, right);
    }

    private ElementExpr? ParseIdentifier(SemanticModel model, IdentifierNameSyntax identifier, Dictionary<ISymbol, string> names)
    {
        ISymbol? symbol = model.GetSymbolInfo(identifier, _cancellationToken).Symbol;
        if (symbol is not null && names.TryGetValue(symbol, out string? name))
        {
            return new NameExpr(name);
        }

        string what = symbol switch
        {
            IFieldSymbol field => $"field '{field.Name}' (only constants can be read)",
            IPropertySymbol property => $"property '{property.Name}'",
            _ => $"'{identifier.Identifier.ValueText}'",
        };
        Report(Diagnostics.UnsupportedConstruct, identifier.GetLocation(), CurrentMethodName, what);
        return null;
    }

    private ElementExpr? ParseInvocation(SemanticModel model, InvocationExpressionSyntax invocation, Dictionary<ISymbol, string> names)
    {
        if (model.GetSymbolInfo(invocation, _cancellationToken).Symbol is not IMethodSymbol callee)
        {
            Report(Diagnostics.UnsupportedConstruct, invocation.GetLocation(), CurrentMethodName, $"call to '{invocation.Expression}'");
            return null;
        }

        foreach (ArgumentSyntax argument in invocation.ArgumentList.Arguments)
        {
            if (argument.NameColon is not null || !argument.RefKindKeyword.IsKind(SyntaxKind.None))
            {
                Report(Diagnostics.UnsupportedConstruct, argument.GetLocation(), CurrentMethodName, $"a named or by-reference argument in a call to '{Describe(callee)}'");
                return null;
            }
        }

        string containing = callee.ContainingType?.ToDisplayString() ?? string.Empty;
        if (containing is "System.Math" or "System.MathF" or "NextStat.Kernels.KernelMath")
        {
            return ParseMathCall(model, invocation, callee, names);
        }

        if (callee.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "NextStat.Kernels.KernelFunctionAttribute"))
        {
            return Inline(model, invocation, callee, names);
        }

        Report(Diagnostics.UnsupportedConstruct, invocation.GetLocation(), CurrentMethodName, $"call to '{Describe(callee)}' (mark helper methods [KernelFunction])");
        return null;
    }

    private ElementExpr? ParseMathCall(SemanticModel model, InvocationExpressionSyntax invocation, IMethodSymbol callee, Dictionary<ISymbol, string> names)
    {
        SeparatedSyntaxList<ArgumentSyntax> arguments = invocation.ArgumentList.Arguments;
        MathFunction? function = (callee.Name, arguments.Count) switch
        {
            ("Log", 1) => MathFunction.Log,
            ("Exp", 1) => MathFunction.Exp,
            ("Sqrt", 1) => MathFunction.Sqrt,
            ("Abs", 1) => MathFunction.Abs,
            ("Min", 2) => MathFunction.Min,
            ("Max", 2) => MathFunction.Max,
            ("FusedMultiplyAdd", 3) => MathFunction.FusedMultiplyAdd,
            _ => null,
        };

        if (callee.Name == "Pow" && arguments.Count == 2)
        {
            return ParsePow(model, invocation, names);
        }

        if (function is null || !callee.Parameters.All(p => IsElementType(p.Type)))
        {
            Report(Diagnostics.UnsupportedConstruct, invocation.GetLocation(), CurrentMethodName, $"call to '{Describe(callee)}'");
            return null;
        }

        if (function is MathFunction.Log or MathFunction.Exp && _elementType == ElementType.Float && !_floatMathAvailable)
        {
            Report(Diagnostics.FloatMathUnavailable, invocation.GetLocation(), CurrentMethodName, Describe(callee));
            return null;
        }

        var parsed = new List<ElementExpr>();
        foreach (ArgumentSyntax argument in arguments)
        {
            ElementExpr? value = ParseExpression(model, argument.Expression, names);
            if (value is null)
            {
                return null;
            }

            parsed.Add(value);
        }

        return new CallExpr(function.Value, parsed.ToEquatableArray());
    }

    /// <summary>
    /// <c>Math.Pow(x, n)</c> with a constant integer n becomes n − 1 multiplications, left to right (1/… for n &lt; 0),
    /// which every width computes with the same operations; <c>x</c> is bound to a local so it is evaluated once.
    /// </summary>
    private ElementExpr? ParsePow(SemanticModel model, InvocationExpressionSyntax invocation, Dictionary<ISymbol, string> names)
    {
        ExpressionSyntax exponentSyntax = invocation.ArgumentList.Arguments[1].Expression;
        Optional<object?> exponentValue = model.GetConstantValue(exponentSyntax, _cancellationToken);
        double exponent = exponentValue.HasValue && exponentValue.Value is IConvertible c ? c.ToDouble(CultureInfo.InvariantCulture) : double.NaN;
        if (double.IsNaN(exponent) || exponent != Math.Floor(exponent) || Math.Abs(exponent) > MaxPowExponent)
        {
            Report(Diagnostics.InvalidPowExponent, exponentSyntax.GetLocation(), CurrentMethodName, exponentSyntax.ToString());
            return null;
        }

        ElementExpr? value = ParseExpression(model, invocation.ArgumentList.Arguments[0].Expression, names);
        if (value is null)
        {
            return null;
        }

        int n = (int)Math.Abs(exponent);
        if (n == 0)
        {
            return new ConstantExpr(1.0);
        }

        ElementExpr operand = Bind(value, "pow");
        ElementExpr product = operand;
        for (int i = 1; i < n; i++)
        {
            product = new BinaryExpr(BinaryOperator.Multiply, product, operand);
        }

        return exponent < 0 ? new BinaryExpr(BinaryOperator.Divide, new ConstantExpr(1.0), product) : product;
    }

    private ElementExpr? Inline(SemanticModel model, InvocationExpressionSyntax invocation, IMethodSymbol callee, Dictionary<ISymbol, string> names)
    {
        int cycleStart = _inlineStack.FindIndex(m => SymbolEqualityComparer.Default.Equals(m, callee.OriginalDefinition));
        if (cycleStart >= 0)
        {
            string path = string.Join(" -> ", _inlineStack.Skip(cycleStart).Select(m => m.Name).Concat([callee.Name]));
            Report(Diagnostics.Recursion, invocation.GetLocation(), callee.Name, path);
            return null;
        }

        if (!callee.IsStatic || callee.IsGenericMethod || !IsElementType(callee.ReturnType)
            || callee.Parameters.Any(p => p.RefKind != RefKind.None || !IsElementType(p.Type))
            || callee.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) is not MethodDeclarationSyntax calleeSyntax)
        {
            Report(
                Diagnostics.UnsupportedConstruct,
                invocation.GetLocation(),
                CurrentMethodName,
                $"call to kernel function '{Describe(callee)}', which must be a static, non-generic method in source taking and returning '{ElementTypeName}' by value");
            return null;
        }

        string prefix = $"{callee.Name}{++_inlineCounter}_";
        var calleeNames = new Dictionary<ISymbol, string>(SymbolEqualityComparer.Default);
        for (int a = 0; a < callee.Parameters.Length; a++)
        {
            ElementExpr? argument = ParseExpression(model, invocation.ArgumentList.Arguments[a].Expression, names);
            if (argument is null)
            {
                return null;
            }

            ElementExpr bound = Bind(argument, prefix + callee.Parameters[a].Name);
            calleeNames[callee.Parameters[a]] = bound is NameExpr named ? named.Name : Unique(prefix + callee.Parameters[a].Name);
            if (bound is ConstantExpr)
            {
                string constantName = calleeNames[callee.Parameters[a]];
                _locals.Add(new LocalDeclaration(constantName, IsCondition: false, bound));
            }
        }

        _inlineStack.Add(callee.OriginalDefinition);
        List<ElementExpr>? result = ParseMethod(callee, calleeSyntax, calleeNames, prefix, allowTuple: false);
        _inlineStack.RemoveAt(_inlineStack.Count - 1);
        return result is { Count: 1 } ? result[0] : null;
    }

    /// <summary>Binds a non-trivial value to a fresh local so using it several times evaluates it once.</summary>
    private ElementExpr Bind(ElementExpr value, string nameHint)
    {
        if (value is NameExpr or ConstantExpr)
        {
            return value;
        }

        string name = Unique(nameHint);
        _locals.Add(new LocalDeclaration(name, IsCondition: false, value));
        return new NameExpr(name);
    }

    private string Unique(string name)
    {
        string candidate = name;
        for (int i = 2; !_usedNames.Add(candidate); i++)
        {
            candidate = name + "_" + i.ToString(CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    private string CurrentMethodName => _inlineStack.Count > 0 ? _inlineStack[_inlineStack.Count - 1].Name : _rootName;

    private string ElementTypeName => _elementType == ElementType.Float ? "float" : "double";

    private bool IsElementType(ITypeSymbol? type) =>
        type?.SpecialType == (_elementType == ElementType.Float ? SpecialType.System_Single : SpecialType.System_Double);

    private double ToElementValue(object value)
    {
        double d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        return _elementType == ElementType.Float ? (float)d : d;
    }

    private void Report(DiagnosticDescriptor descriptor, Location location, params string[] arguments) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(location), arguments));

    private static Location StatementLocation(StatementSyntax statement) => statement switch
    {
        ForStatementSyntax s => s.ForKeyword.GetLocation(),
        ForEachStatementSyntax s => s.ForEachKeyword.GetLocation(),
        WhileStatementSyntax s => s.WhileKeyword.GetLocation(),
        DoStatementSyntax s => s.DoKeyword.GetLocation(),
        IfStatementSyntax s => s.IfKeyword.GetLocation(),
        _ => statement.GetLocation(),
    };

    private static string DescribeStatement(SemanticModel model, StatementSyntax statement) => statement switch
    {
        ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax => "a loop",
        IfStatementSyntax => "an 'if' statement (use the '?:' operator)",
        ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment } => DescribeAssignment(model, assignment),
        ExpressionStatementSyntax { Expression: PostfixUnaryExpressionSyntax or PrefixUnaryExpressionSyntax } => "an increment or decrement",
        ReturnStatementSyntax => "a 'return' before the end of the body",
        LocalDeclarationStatementSyntax => "a 'using' or 'ref' local",
        ThrowStatementSyntax => "a 'throw' statement",
        TryStatementSyntax => "a 'try' statement",
        SwitchStatementSyntax => "a 'switch' statement (use the '?:' operator)",
        LocalFunctionStatementSyntax => "a local function",
        _ => $"a statement of kind '{statement.Kind()}'",
    };

    private static string DescribeAssignment(SemanticModel model, AssignmentExpressionSyntax assignment) =>
        model.GetSymbolInfo(assignment.Left).Symbol switch
        {
            IParameterSymbol parameter => $"assignment to a parameter ('{parameter.Name}')",
            ILocalSymbol local => $"a second assignment to local '{local.Name}' (locals are assigned once)",
            { } other => $"assignment to '{other.Name}'",
            _ => "an assignment",
        };

    private static string DescribeExpression(SemanticModel model, ExpressionSyntax expression) => expression switch
    {
        AssignmentExpressionSyntax assignment => DescribeAssignment(model, assignment),
        PostfixUnaryExpressionSyntax => "an increment or decrement",
        CastExpressionSyntax cast => $"a cast to '{cast.Type}'",
        MemberAccessExpressionSyntax member => $"member access '{member}'",
        ElementAccessExpressionSyntax => "an indexer",
        TupleExpressionSyntax => "a tuple other than the returned one",
        ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax => "'new'",
        LambdaExpressionSyntax => "a lambda",
        SwitchExpressionSyntax => "a switch expression (use the '?:' operator)",
        IsPatternExpressionSyntax => "a pattern match",
        _ => $"an expression of kind '{expression.Kind()}'",
    };

    private static string Describe(IMethodSymbol method) => $"{method.ContainingType?.Name}.{method.Name}";
}
