using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NextStat.Kernels.Generators.Model;

namespace NextStat.Kernels.Generators.Emitting;

/// <summary>
/// Writes one tile fold or tile update kernel: the partial method (checks, pinning, width dispatch) and a private
/// struct with the element function and the group loops of the scalar, 128-bit and 256-bit widths. A tile has four
/// lanes, so a 256-bit vector holds one tile, a 128-bit one half, and the scalar code runs lane by lane.
/// <para>
/// Values read per row, and broadcast values, are the same on all lanes of a tile (<em>uniform</em>): an expression
/// of them only is computed once as a scalar and broadcast, and a conditional whose condition is uniform becomes a
/// branch, so only its taken side runs and loads its fields. Fields are loaded where they are used, not up front,
/// for the same reason.
/// </para>
/// </summary>
internal static class TileKernelEmitter
{
    private const string Runtime = KernelEmitter.Runtime;
    private const string AggressiveInlining = KernelEmitter.AggressiveInlining;
    private const int Lanes = 4;

    private static readonly Width[] s_widths = [Width.Scalar, Width.Vector128, Width.Vector256];

    public static string Emit(KernelSpec spec) => KernelEmitter.EmitFile(spec, w =>
    {
        WriteKernelMethod(w, spec);
        w.Line();
        WriteKernelStruct(w, spec);
    });

    private static TileSpec Tile(KernelSpec spec) => spec.Tile!;

    private static string StructName(KernelSpec spec) => spec.MethodName + "Kernel";

    private static string Field(string parameter) => "_" + Identifier.Unescape(parameter);

    private static string Pointer(string parameter) => "__" + Identifier.Unescape(parameter);

    private static bool HasSide(KernelSpec spec) => Tile(spec).SideFieldNames.Count > 0;

    /// <summary>The parameters the kernel struct holds a pointer for.</summary>
    private static IEnumerable<KernelParameter> Spans(KernelSpec spec) =>
        spec.Parameters.Where(p => p.Role is ParameterRole.Output or ParameterRole.PerRow or ParameterRole.PerLane);

    private static IEnumerable<KernelParameter> Broadcasts(KernelSpec spec) =>
        spec.Parameters.Where(p => p.Role == ParameterRole.Broadcast);

    private static void WriteKernelMethod(SourceWriter w, KernelSpec spec)
    {
        TileSpec tile = Tile(spec);
        string parameters = string.Join(", ", spec.Parameters.Select(p => $"{p.TypeText} {p.Name}"));
        string displayName = spec.ContainingTypes[spec.ContainingTypes.Count - 1].NameWithTypeParameters + "." + spec.MethodName;
        string tiles = spec.Parameters.First(p => p.Role == ParameterRole.Tiles).Name;
        KernelParameter? context = spec.Parameters.FirstOrDefault(p => p.Role == ParameterRole.Context);
        string structName = StructName(spec);

        w.Open($"{spec.Modifiers} {spec.ReturnTypeText} {spec.MethodName}({parameters})");
        w.Line(context is null
            ? $"var __width = {Runtime}.KernelDispatch.Resolve({Runtime}.KernelContext.Default.Width);"
            : $"var __width = {Runtime}.KernelDispatch.Resolve(({context.Name} ?? {Runtime}.KernelContext.Default).Width);");
        w.Line($"{Runtime}.KernelGuard.TileFields(\"{displayName}\", {tiles}, {tile.FieldNames.Count}, {tile.SideFieldNames.Count});");
        foreach (KernelParameter span in Spans(spec))
        {
            (string expected, string per) = (span.Role, spec.Kind) switch
            {
                (ParameterRole.Output, KernelKind.TileFold) or (ParameterRole.PerLane, _) => ($"{tiles}.LaneCount", "one per lane"),
                (ParameterRole.Output, _) => ($"{Lanes} * {tiles}.RowCount", "the four lanes of each row"),
                _ => ($"{tiles}.RowCount", "one per row"),
            };
            w.Line($"{Runtime}.KernelGuard.TileLength(\"{displayName}\", \"{Identifier.Unescape(span.Name)}\", {span.Name}.Length, {expected}, \"{per}\");");
        }

        w.Open("unsafe");
        w.Line($"fixed (int* __groupStart = {tiles}.GroupStart)");
        w.Line($"fixed (int* __tileRow = {tiles}.TileRow)");
        w.Line($"fixed (double* __data = {tiles}.Data)");
        if (HasSide(spec))
        {
            w.Line($"fixed (double* __side = {tiles}.SideData)");
        }

        foreach (KernelParameter span in Spans(spec))
        {
            w.Line($"fixed (double* {Pointer(span.Name)} = {span.Name})");
        }

        w.Line("{");
        var arguments = new List<string> { $"{tiles}.GroupCount", "__groupStart", "__tileRow", "__data" };
        if (HasSide(spec))
        {
            arguments.Add("__side");
        }

        arguments.AddRange(Spans(spec).Select(p => Pointer(p.Name)));
        arguments.AddRange(Broadcasts(spec).Select(p => p.Name));
        w.Line($"    var __kernel = new {structName}({string.Join(", ", arguments)});");
        w.Line("    switch (__width)");
        w.Line("    {");
        w.Line($"        case {Runtime}.KernelWidth.Scalar:");
        w.Line($"            {structName}.RunScalar(in __kernel);");
        w.Line("            break;");
        w.Line($"        case {Runtime}.KernelWidth.Vector128:");
        w.Line($"            {structName}.Run128(in __kernel);");
        w.Line("            break;");
        w.Line("        default:");
        w.Line($"            {structName}.Run256(in __kernel);");
        w.Line("            break;");
        w.Line("    }");
        w.Line("}");
        w.Close();
        w.Close();
    }

    private static void WriteKernelStruct(SourceWriter w, KernelSpec spec)
    {
        string structName = StructName(spec);
        var fields = new List<(string Type, string Field, string Argument)>
        {
            ("int", "_groupCount", "__groupCount"), ("int*", "_groupStart", "__groupStart"), ("int*", "_tileRow", "__tileRow"), ("double*", "_data", "__data"),
        };
        if (HasSide(spec))
        {
            fields.Add(("double*", "_side", "__side"));
        }

        fields.AddRange(Spans(spec).Select(p => ("double*", Field(p.Name), p.Name)));
        fields.AddRange(Broadcasts(spec).Select(p => ("double", Field(p.Name), p.Name)));

        w.Line($"/// <summary>The pinned layout, spans and broadcast values of one <see cref=\"{spec.MethodName}\"/> call, and its loops for every width.</summary>");
        w.Open($"private readonly unsafe struct {structName}");
        foreach ((string type, string field, _) in fields)
        {
            w.Line($"private readonly {type} {field};");
        }

        w.Line();
        w.Open($"public {structName}({string.Join(", ", fields.Select(f => $"{f.Type} {f.Argument}"))})");
        foreach ((_, string field, string argument) in fields)
        {
            w.Line($"{field} = {argument};");
        }

        w.Close();
        foreach (Width width in s_widths)
        {
            WriteElement(w, spec, width);
        }

        foreach (Width width in s_widths)
        {
            if (spec.Kind == KernelKind.TileFold)
            {
                WriteFold(w, spec, width);
            }
            else
            {
                WriteUpdate(w, spec, width);
            }
        }

        w.Close();
    }

    private static string VectorType(Width width) => ExpressionWriter.VectorType(width, ElementType.Double);

    /// <summary>
    /// The element function of one width: one tile's lanes from <c>__lane</c> on (all four at 256 bits, two at 128,
    /// one in scalar code). A fold passes its accumulators by reference; an update reads and writes its row sums.
    /// </summary>
    private static void WriteElement(SourceWriter w, KernelSpec spec, Width width)
    {
        TileSpec tile = Tile(spec);
        string vt = VectorType(width);
        string suffix = ExpressionWriter.Suffix(width);
        bool scalar = width == Width.Scalar;
        string v = scalar ? string.Empty : ExpressionWriter.VectorClass(width);
        ElementBody body = spec.Body;
        HashSet<string> used = KernelEmitter.UsedNames(body);

        // Field i of the tile on this call's first lane is at __f + 4·i (side field i at the side data's tile start + 4·i).
        var fieldAddress = new Dictionary<string, string>(System.StringComparer.Ordinal);
        for (int i = 0; i < tile.FieldNames.Count; i++)
        {
            fieldAddress[tile.FieldNames[i]] = i == 0 ? "__f" : $"__f + {Lanes * i}";
        }

        for (int i = 0; i < tile.SideFieldNames.Count; i++)
        {
            // Written out where used rather than as a local: side fields are read in some rows' branches only, and a
            // local's address arithmetic would run on every tile.
            string start = $"__k._side + (__t * {Lanes * tile.SideFieldNames.Count}) + __lane";
            fieldAddress[tile.SideFieldNames[i]] = i == 0 ? $"({start})" : $"({start} + {Lanes * i})";
        }

        var uniform = new HashSet<string>(
            spec.Parameters.Where(p => p.Role is ParameterRole.PerRow or ParameterRole.Broadcast).Select(p => p.ElementName!),
            System.StringComparer.Ordinal);
        var conditions = new HashSet<string>(body.Locals.Where(l => l.IsCondition).Select(l => l.Name), System.StringComparer.Ordinal);
        foreach (LocalDeclaration local in body.Locals)
        {
            if (IsUniform(local.Value, uniform))
            {
                uniform.Add(local.Name);
            }
        }

        string Scalar(ElementExpr e) => ExpressionWriter.Write(e, Width.Scalar, ElementType.Double);

        string? Node(ElementExpr e)
        {
            if (scalar)
            {
                return e is NameExpr n && fieldAddress.TryGetValue(n.Name, out string? a) ? $"(*({a}))" : null;
            }

            if (e is ConstantExpr)
            {
                return null;
            }

            if (IsUniform(e, uniform))
            {
                string value = Scalar(e);
                return IsCondition(e, conditions) ? $"({value} ? {vt}.AllBitsSet : {vt}.Zero)" : $"{v}.Create({value})";
            }

            if (e is ConditionalExpr conditional && IsUniform(conditional.Condition, uniform))
            {
                return $"({Scalar(conditional.Condition)} ? {Vector(conditional.WhenTrue)} : {Vector(conditional.WhenFalse)})";
            }

            return e is NameExpr name && fieldAddress.TryGetValue(name.Name, out string? address) ? $"{v}.Load({address})" : null;
        }

        string Vector(ElementExpr e) => ExpressionWriter.Write(e, width, ElementType.Double, node: Node);

        string lanePointer(string pointer, string index) => scalar ? $"{pointer}[{index}]" : $"{v}.Load({pointer} + {index})";

        w.Line();
        w.Line(AggressiveInlining);
        string accumulators = spec.Kind == KernelKind.TileFold
            ? string.Concat(Enumerable.Range(0, tile.StateNames.Count).Select(k => $", ref {vt} __a{k}"))
            : string.Empty;
        // A fold's loop passes the tile's field pointer, which it advances by a constant; an update computes it.
        bool fold = spec.Kind == KernelKind.TileFold;
        string fieldPointer = fold ? ", double* __f" : string.Empty;
        w.Open($"private static void Element{suffix}(in {StructName(spec)} __k, nint __g, nint __t{fieldPointer}, nint __lane{accumulators})");
        w.Line("nint __row = __k._tileRow[__t];");
        if (!fold && tile.FieldNames.Any(used.Contains))
        {
            w.Line($"double* __f = __k._data + (__t * {Lanes * tile.FieldNames.Count}) + __lane;");
        }

        foreach (KernelParameter p in spec.Parameters.Where(p => p.ElementName is not null && used.Contains(p.ElementName)))
        {
            string pointer = $"__k.{Field(p.Name)}";
            string? value = p.Role switch
            {
                ParameterRole.PerRow => $"{pointer}[__row]",
                ParameterRole.Broadcast => pointer,
                ParameterRole.PerLane => lanePointer(pointer, $"(__g * {Lanes}) + __lane"),
                ParameterRole.Output when spec.Kind == KernelKind.TileUpdate => lanePointer(pointer, $"(__row * {Lanes}) + __lane"),
                _ => null,
            };
            if (value is not null)
            {
                w.Line($"var {p.ElementName} = {value};");
            }
        }

        if (spec.Kind == KernelKind.TileFold)
        {
            for (int k = 0; k < tile.StateNames.Count; k++)
            {
                if (used.Contains(tile.StateNames[k]))
                {
                    w.Line($"var {tile.StateNames[k]} = __a{k};");
                }
            }
        }

        foreach (LocalDeclaration local in body.Locals.Where(l => used.Contains(l.Name)))
        {
            w.Line($"var {local.Name} = {(uniform.Contains(local.Name) ? Scalar(local.Value) : Vector(local.Value))};");
        }

        KernelParameter[] outputs = spec.Parameters.Where(p => p.Role == ParameterRole.Output).ToArray();
        void WriteResults(IReadOnlyList<ElementExpr> results)
        {
            for (int k = 0; k < results.Count; k++)
            {
                string result = Vector(results[k]);
                if (spec.Kind == KernelKind.TileFold)
                {
                    w.Line($"__a{k} = {result};");
                }
                else
                {
                    string pointer = $"__k.{Field(outputs[k].Name)}";
                    string index = $"(__row * {Lanes}) + __lane";
                    w.Line(scalar ? $"{pointer}[{index}] = {result};" : $"{v}.Store({result}, {pointer} + {index});");
                }
            }
        }

        // Several results under one and the same uniform condition (each accumulator's formula per piece): one branch
        // for all of them rather than a test per result.
        if (SharedUniformCondition(body.Results, uniform) is { } shared)
        {
            w.Open($"if ({Scalar(shared)})");
            WriteResults(body.Results.Select(r => ((ConditionalExpr)r).WhenTrue).ToList());
            w.Close();
            w.Open("else");
            WriteResults(body.Results.Select(r => ((ConditionalExpr)r).WhenFalse).ToList());
            w.Close();
        }
        else
        {
            WriteResults(body.Results.AsImmutableArray());
        }

        w.Close();
    }

    /// <summary>The condition of results that are all <c>c ? a : b</c> with one uniform <c>c</c>, if there are two or more.</summary>
    private static ElementExpr? SharedUniformCondition(EquatableArray<ElementExpr> results, HashSet<string> uniform)
    {
        if (results.Count < 2 || results[0] is not ConditionalExpr { Condition: var condition } || !IsUniform(condition, uniform))
        {
            return null;
        }

        return results.All(r => r is ConditionalExpr c && c.Condition.Equals(condition)) ? condition : null;
    }

    /// <summary>
    /// A fold's loop: per group (and per piece of a tile narrower than four lanes), four partial accumulators per
    /// result, tiles dealt round them, combined as (p0 ∘ p1) ∘ (p2 ∘ p3): the same on every width.
    /// </summary>
    private static void WriteFold(SourceWriter w, KernelSpec spec, Width width)
    {
        TileSpec tile = Tile(spec);
        string suffix = ExpressionWriter.Suffix(width);
        bool scalar = width == Width.Scalar;
        string v = scalar ? string.Empty : ExpressionWriter.VectorClass(width);
        int step = width switch { Width.Scalar => 1, Width.Vector128 => 2, _ => Lanes };
        int states = tile.StateNames.Count;
        KernelParameter[] outputs = spec.Parameters.Where(p => p.Role == ParameterRole.Output).ToArray();

        string Arguments(int partial) =>
            string.Concat(Enumerable.Range(0, states).Select(k => $", ref __a{k}_{partial}"));

        w.Line();
        w.Open($"public static void Run{suffix}(in {StructName(spec)} __k)");
        w.Line("// A local copy: its pointers stay in registers, where fields read through the `in` reference are reloaded.");
        w.Line("var __l = __k;");
        w.Open("for (nint __g = 0; __g < __l._groupCount; __g++)");
        w.Line("nint __begin = __l._groupStart[__g];");
        w.Line("nint __end = __l._groupStart[__g + 1];");
        string lane = "0";
        if (step < Lanes)
        {
            w.Open($"for (nint __lane = 0; __lane < {Lanes}; __lane += {step})");
            lane = "__lane";
        }

        for (int k = 0; k < states; k++)
        {
            string identity = tile.Combine[k] == 1 ? "1.0" : "0.0";
            for (int j = 0; j < 4; j++)
            {
                w.Line(scalar ? $"double __a{k}_{j} = {identity};" : $"var __a{k}_{j} = {v}.Create({identity});");
            }
        }

        // The tile's fields as a pointer advanced by a constant stride: the offsets of the four tiles of a block
        // become displacements of the loads, where an index would be multiplied and added again for every tile.
        int stride = Lanes * tile.FieldNames.Count;
        w.Line("nint __t = __begin;");
        w.Line($"double* __f = __l._data + (__begin * {stride}) + {lane};");
        w.Open($"for (; __t + 3 < __end; __t += 4, __f += {4 * stride})");
        for (int j = 0; j < 4; j++)
        {
            string t = j == 0 ? "__t" : $"__t + {j}";
            string f = j == 0 ? "__f" : $"__f + {j * stride}";
            w.Line($"Element{suffix}(in __l, __g, {t}, {f}, {lane}{Arguments(j)});");
        }

        w.Close();
        w.Line();
        w.Line("// Tiles after the last block of four go to the first partial accumulator.");
        w.Open($"for (; __t < __end; __t++, __f += {stride})");
        w.Line($"Element{suffix}(in __l, __g, __t, __f, {lane}{Arguments(0)});");
        w.Close();
        w.Line();
        for (int k = 0; k < states; k++)
        {
            string op = tile.Combine[k] == 1 ? "*" : "+";
            string combined = $"(__a{k}_0 {op} __a{k}_1) {op} (__a{k}_2 {op} __a{k}_3)";
            string pointer = $"__l.{Field(outputs[k].Name)}";
            string index = lane == "0" ? $"__g * {Lanes}" : $"(__g * {Lanes}) + {lane}";
            w.Line(scalar ? $"{pointer}[{index}] = {combined};" : $"{v}.Store({combined}, {pointer} + {index});");
        }

        if (step < Lanes)
        {
            w.Close();
        }

        w.Close();
        w.Close();
    }

    /// <summary>An update's loop: every tile of every group, in order, on each piece of its lanes.</summary>
    private static void WriteUpdate(SourceWriter w, KernelSpec spec, Width width)
    {
        string suffix = ExpressionWriter.Suffix(width);
        int step = width switch { Width.Scalar => 1, Width.Vector128 => 2, _ => Lanes };
        w.Line();
        w.Open($"public static void Run{suffix}(in {StructName(spec)} __k)");
        w.Line("var __l = __k;");
        w.Open("for (nint __g = 0; __g < __l._groupCount; __g++)");
        w.Line("nint __end = __l._groupStart[__g + 1];");
        w.Open("for (nint __t = __l._groupStart[__g]; __t < __end; __t++)");
        for (int lane = 0; lane < Lanes; lane += step)
        {
            w.Line($"Element{suffix}(in __l, __g, __t, {lane.ToString(CultureInfo.InvariantCulture)});");
        }

        w.Close();
        w.Close();
        w.Close();
    }

    private static bool IsUniform(ElementExpr expression, HashSet<string> uniform) => expression switch
    {
        ConstantExpr => true,
        NameExpr name => uniform.Contains(name.Name),
        UnaryExpr unary => IsUniform(unary.Operand, uniform),
        BinaryExpr binary => IsUniform(binary.Left, uniform) && IsUniform(binary.Right, uniform),
        ConditionalExpr conditional => IsUniform(conditional.Condition, uniform) && IsUniform(conditional.WhenTrue, uniform) && IsUniform(conditional.WhenFalse, uniform),
        CallExpr call => call.Arguments.All(a => IsUniform(a, uniform)),
        _ => false,
    };

    private static bool IsCondition(ElementExpr expression, HashSet<string> conditions) => expression switch
    {
        NameExpr name => conditions.Contains(name.Name),
        UnaryExpr unary => unary.Operator == UnaryOperator.Not,
        BinaryExpr binary => binary.Operator >= BinaryOperator.LessThan,
        ConditionalExpr conditional => IsCondition(conditional.WhenTrue, conditions),
        _ => false,
    };
}
