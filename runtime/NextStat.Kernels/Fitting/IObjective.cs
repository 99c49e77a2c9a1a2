namespace NextStat.Kernels.Fitting;

/// <summary>
/// A smooth function of a parameter vector to minimise, such as <c>twice_nll</c> of a model and a data set. It is
/// immutable and shared between threads; each thread evaluates it through its own <see cref="IObjectiveEvaluator"/>,
/// which owns the scratch memory, so concurrent fits never copy the model.
/// </summary>
public interface IObjective
{
    /// <summary>The number of parameters.</summary>
    int Dimension { get; }

    /// <summary>Scratch state for evaluating on one thread; evaluation through it allocates nothing.</summary>
    IObjectiveEvaluator CreateEvaluator();

    /// <summary>
    /// An evaluator of this objective that takes over the scratch memory of <paramref name="previous"/> (an evaluator of
    /// another objective, which its owner gives up: it must not be used afterwards) where the two are compatible, such
    /// as two data sets of one model; otherwise a new one. A thread fitting many toy data sets then allocates and warms
    /// its scratch once instead of once per data set.
    /// </summary>
    IObjectiveEvaluator CreateEvaluator(IObjectiveEvaluator previous) => CreateEvaluator();

    /// <summary>
    /// The least value the objective takes where its model is valid (for <c>twice_nll</c>: where every expected count
    /// is non-negative), or −∞ when unknown. A descent method that gets below it can never come back to a valid point,
    /// so a fit stops there (<see cref="FitStatus.Unbounded"/>) instead of following the objective down without end.
    /// </summary>
    double LowerBound => double.NegativeInfinity;
}

/// <summary>Evaluates an <see cref="IObjective"/> on one thread with reusable scratch memory.</summary>
public interface IObjectiveEvaluator
{
    /// <summary>The objective at <paramref name="parameters"/>.</summary>
    double Value(ReadOnlySpan<double> parameters);

    /// <summary>The objective and its gradient at <paramref name="parameters"/>, in one pass where possible.</summary>
    double ValueAndGradient(ReadOnlySpan<double> parameters, Span<double> gradient);
}
