namespace NextStat.Kernels;

/// <summary>
/// Declares a map kernel: the generator writes the body of the attributed <c>static partial void</c> method so that
/// <c>result[i] = element(a[i], b[i], …, s1, s2)</c>. The first parameter is the output <see cref="Span{T}"/> (an
/// element method returning a tuple of k values writes the first k parameters, all <see cref="Span{T}"/>); the other
/// span parameters are read per element and plain scalar parameters are broadcast.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class MapKernelAttribute(string elementMethod) : Attribute
{
    /// <summary>Name of the scalar element method in the same type (use <c>nameof</c>).</summary>
    public string ElementMethod { get; } = elementMethod;
}

/// <summary>
/// Declares an in-place update kernel: <c>x[i] = element(x[i], a[i], …, s1, …)</c>. The first parameter is the
/// <see cref="Span{T}"/> that is read and written; it is the element method's first argument.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class UpdateKernelAttribute(string elementMethod) : Attribute
{
    /// <summary>Name of the scalar element method in the same type (use <c>nameof</c>).</summary>
    public string ElementMethod { get; } = elementMethod;
}

/// <summary>
/// Declares a sum reduction: <c>Σ_i element(a[i], …)</c>. An element method that returns a tuple of doubles makes a
/// multi-sum kernel that returns every sum of one pass (for example a value and its derivative sums).
/// The sum is bitwise identical for any thread count and any kernel width.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class SumKernelAttribute(string elementMethod) : Attribute
{
    /// <summary>Name of the scalar element method in the same type (use <c>nameof</c>).</summary>
    public string ElementMethod { get; } = elementMethod;
}

/// <summary>
/// Marks a static scalar helper method that element methods may call; the generator inlines its body into
/// every width of the kernel.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class KernelFunctionAttribute : Attribute;

/// <summary>How a tile fold kernel combines the partial results of one accumulator (<see cref="TileFoldKernelAttribute"/>).</summary>
public enum TileCombine
{
    /// <summary>Partial results are added; each starts at 0.</summary>
    Sum,

    /// <summary>Partial results are multiplied; each starts at 1.</summary>
    Product,
}

/// <summary>
/// Declares a tile fold over a <see cref="TileLayout"/>: for every lane (target),
/// <c>acc = element(acc, v1, …, field1, …)</c> over the tiles of the lane's group, rows ascending, and the result
/// written per lane. The kernel method is <c>static partial void M(TileLayout tiles, Span&lt;double&gt; out1, …,
/// values…, KernelContext? context = null)</c>: one output span per accumulator (one value per lane, length
/// <see cref="TileLayout.LaneCount"/>), then the values the element method takes after its accumulators, in order:
/// a <see cref="ReadOnlySpan{T}"/> is read per row (length <see cref="TileLayout.RowCount"/>), one marked
/// <see cref="PerLaneAttribute"/> per lane, a <c>double</c> is the same for all. The element method's remaining
/// parameters are the layout's fields, then its <see cref="SideFields"/> side fields. It returns the new accumulator
/// (a tuple for several).
/// <para>
/// Tiles of a group are dealt round four partial accumulators (tile j of a block of four to partial j, the tiles
/// after the last whole block to partial 0), so that consecutive tiles do not wait on each other; the result is
/// (p0 ∘ p1) ∘ (p2 ∘ p3) with ∘ the accumulator's <see cref="TileCombine"/>. Every width does this same sequence of
/// IEEE operations on each lane (fused multiply-adds only where the element method calls them), so results are
/// bitwise equal on every width. A condition that depends only on per-row and broadcast values is the same on all
/// lanes: it is written as a branch, so only the taken side runs (and loads its fields; several results under the
/// same such condition share one branch), where a condition that
/// depends on lanes selects per lane after computing both sides. Vector512 runs the 256-bit code: a tile has four lanes.
/// </para>
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TileFoldKernelAttribute(string elementMethod, params TileCombine[] combine) : Attribute
{
    /// <summary>Name of the scalar element method in the same type (use <c>nameof</c>).</summary>
    public string ElementMethod { get; } = elementMethod;

    /// <summary>How each accumulator's partial results combine, one per value the element method returns.</summary>
    public IReadOnlyList<TileCombine> Combine { get; } = combine;

    /// <summary>How many of the element method's last parameters are side fields (<see cref="TileLayout.SideData"/>).</summary>
    public int SideFields { get; init; }
}

/// <summary>
/// Declares a tile update over a <see cref="TileLayout"/>, the transpose of a fold (a gradient's projections): for
/// every tile, on each lane, <c>sums[row·4 + lane] = element(sums[row·4 + lane], v1, …, field1, …)</c>. The kernel
/// method is <c>static partial void M(TileLayout tiles, Span&lt;double&gt; sums1, …, values…, KernelContext? context = null)</c>:
/// one span per value the element method returns, read and written, of length 4 × <see cref="TileLayout.RowCount"/>
/// (the four lanes of each row; a caller adds them in the order it needs), then values and fields as for
/// <see cref="TileFoldKernelAttribute"/>. Each (row, lane) is updated in group order on every width, so results
/// are bitwise equal on every width; conditions on per-row and broadcast values become branches as there.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TileUpdateKernelAttribute(string elementMethod) : Attribute
{
    /// <summary>Name of the scalar element method in the same type (use <c>nameof</c>).</summary>
    public string ElementMethod { get; } = elementMethod;

    /// <summary>How many of the element method's last parameters are side fields (<see cref="TileLayout.SideData"/>).</summary>
    public int SideFields { get; init; }
}

/// <summary>
/// Marks a span parameter of a tile kernel that holds one value per lane (length <see cref="TileLayout.LaneCount"/>),
/// such as a per-target weight; unmarked spans hold one value per row.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class PerLaneAttribute : Attribute;
