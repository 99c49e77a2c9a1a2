using NextStat.HistFactory.Numerics;
using NextStat.Kernels.Fitting;

namespace NextStat.HistFactory;

/// <summary>
/// <c>twice_nll</c> of a model for one data set (main and auxiliary data). Immutable and shared between threads;
/// every thread evaluates through its own <see cref="HistFactoryEvaluator"/>, which owns the scratch memory, so
/// concurrent fits never copy the model. The data-dependent constants (ln Γ(n + 1) of the main and shapesys aux data)
/// are computed once here.
/// </summary>
public sealed class HistFactoryObjective : IObjective
{
    internal HistFactoryObjective(HistFactoryModel model, ReadOnlySpan<double> mainData, ReadOnlySpan<double> auxData)
    {
        ModelLayout layout = model.Layout;
        if (mainData.Length != layout.BinCount)
        {
            throw new ArgumentException($"main data has {mainData.Length} values but the model has {layout.BinCount} bins", nameof(mainData));
        }

        if (auxData.Length != layout.AuxCount)
        {
            throw new ArgumentException($"aux data has {auxData.Length} values but the model has {layout.AuxCount} constraint terms", nameof(auxData));
        }

        Model = model;
        MainData = mainData.ToArray();
        double mainConstant = 0.0;
        for (int b = 0; b < MainData.Length; b++)
        {
            double n = MainData[b];
            if (!double.IsFinite(n) || n < 0)
            {
                throw new ArgumentException($"main data value {n} in bin {b} ({model.BinLabel(b)}) is not a finite non-negative count", nameof(mainData));
            }

            mainConstant += 2.0 * LogGamma.Of(n + 1.0);
        }

        MainConstant = mainConstant;
        double[] aux = auxData.ToArray();
        GaussAux = [.. layout.GaussAuxIndex.Select(i => aux[i])];
        PoissonAux = [.. layout.PoissonAuxIndex.Select(i => aux[i])];
        double poissonConstant = 0.0;
        for (int j = 0; j < PoissonAux.Length; j++)
        {
            double a = PoissonAux[j];
            if (!double.IsFinite(a) || a < 0)
            {
                throw new ArgumentException($"aux data value {a} for parameter '{model.ParameterNames[layout.PoissonParam[j]]}' is not a finite non-negative count", nameof(auxData));
            }

            // −2 (a ln τ − ln Γ(a + 1)); the γ-dependent a ln γ is evaluated per call.
            poissonConstant += -2.0 * ((a > 0 ? a * Math.Log(layout.PoissonTau[j]) : 0.0) - LogGamma.Of(a + 1.0));
        }

        PoissonConstant = poissonConstant;
        foreach (double a in GaussAux)
        {
            if (!double.IsFinite(a))
            {
                throw new ArgumentException($"aux data contains the non-finite value {a}", nameof(auxData));
            }
        }

        LowerBound = SaturatedLowerBound(layout);
    }

    /// <summary>
    /// twice_nll of the saturated model: each Poisson term at λ = n (λ − n ln λ ≥ n − n ln n for every λ ≥ 0), each
    /// shapesys term at γτ = aux, each Gaussian pull at 0. No point with non-negative expected counts lies below it, so
    /// a lower value means a negative expected count in a bin with n = 0 (the likelihood is unbounded below there, as
    /// pyhf's is). The margin covers the rounding of a sum of terms of this size.
    /// </summary>
    private double SaturatedLowerBound(ModelLayout layout)
    {
        double saturated = MainConstant + PoissonConstant + layout.GaussConstant;
        double magnitude = Math.Abs(MainConstant) + Math.Abs(PoissonConstant) + Math.Abs(layout.GaussConstant);
        foreach (double n in MainData)
        {
            if (n > 0)
            {
                double nLogN = n * Math.Log(n);
                saturated += 2.0 * (n - nLogN);
                magnitude += 2.0 * (n + Math.Abs(nLogN));
            }
        }

        for (int j = 0; j < PoissonAux.Length; j++)
        {
            double a = PoissonAux[j];
            if (a > 0)
            {
                double aLogGamma = a * Math.Log(a / layout.PoissonTau[j]);
                saturated += 2.0 * (a - aLogGamma);
                magnitude += 2.0 * (a + Math.Abs(aLogGamma));
            }
        }

        return saturated - (1e-9 * (magnitude + 1.0));
    }

    /// <summary>The model.</summary>
    public HistFactoryModel Model { get; }

    /// <inheritdoc />
    public int Dimension => Model.ParameterCount;

    internal double[] MainData { get; }

    internal double MainConstant { get; }

    internal double[] GaussAux { get; }

    internal double[] PoissonAux { get; }

    internal double PoissonConstant { get; }

    /// <inheritdoc />
    public double LowerBound { get; }

    /// <inheritdoc />
    public IObjectiveEvaluator CreateEvaluator() => new HistFactoryEvaluator(this);

    /// <inheritdoc />
    /// <remarks>An evaluator of another data set of the same model hands over its scratch; the data live here.</remarks>
    public IObjectiveEvaluator CreateEvaluator(IObjectiveEvaluator previous) =>
        previous is HistFactoryEvaluator evaluator && evaluator.Serves(Model) ? HistFactoryEvaluator.TakeOver(this, evaluator) : CreateEvaluator();

    /// <summary>A typed evaluator (also offers <see cref="HistFactoryEvaluator.Hessian"/>).</summary>
    public HistFactoryEvaluator CreateHistFactoryEvaluator() => new(this);
}

/// <summary>Evaluates a <see cref="HistFactoryObjective"/> on one thread; allocation-free after construction.</summary>
public sealed class HistFactoryEvaluator : IObjectiveEvaluator
{
    private readonly HistFactoryObjective _objective;
    private readonly ModelEvaluator _evaluator;
    private readonly double[] _point;
    private readonly double[] _gradientPlus;
    private readonly double[] _gradientMinus;

    internal HistFactoryEvaluator(HistFactoryObjective objective)
    {
        _objective = objective;
        _evaluator = new ModelEvaluator(objective.Model.Layout, objective.Model.Options.Kernels);
        _point = new double[objective.Dimension];
        _gradientPlus = new double[objective.Dimension];
        _gradientMinus = new double[objective.Dimension];
    }

    /// <summary>An evaluator of <paramref name="objective"/> on the scratch of <paramref name="previous"/>, which is given up.</summary>
    private HistFactoryEvaluator(HistFactoryObjective objective, HistFactoryEvaluator previous)
    {
        _objective = objective;
        _evaluator = previous._evaluator;
        _point = previous._point;
        _gradientPlus = previous._gradientPlus;
        _gradientMinus = previous._gradientMinus;
    }

    internal static HistFactoryEvaluator TakeOver(HistFactoryObjective objective, HistFactoryEvaluator previous) => new(objective, previous);

    /// <summary>Whether this evaluator's scratch fits <paramref name="model"/> (it was made for it).</summary>
    internal bool Serves(HistFactoryModel model) => ReferenceEquals(_objective.Model, model);

    /// <inheritdoc />
    public double Value(ReadOnlySpan<double> parameters) => _evaluator.Evaluate(_objective, parameters, []);

    /// <inheritdoc />
    public double ValueAndGradient(ReadOnlySpan<double> parameters, Span<double> gradient)
    {
        if (gradient.Length != _objective.Dimension)
        {
            throw new ArgumentException($"expected a gradient of length {_objective.Dimension}, got {gradient.Length}", nameof(gradient));
        }

        return _evaluator.Evaluate(_objective, parameters, gradient);
    }

    /// <summary>The expected main data per bin at <paramref name="parameters"/>.</summary>
    public void ExpectedMainData(ReadOnlySpan<double> parameters, Span<double> result)
    {
        if (result.Length != _objective.Model.Layout.BinCount)
        {
            throw new ArgumentException($"expected a result of length {_objective.Model.Layout.BinCount}, got {result.Length}", nameof(result));
        }

        _evaluator.ComputeExpected(parameters);
        _evaluator.Lambda.CopyTo(result);
    }

    /// <summary>
    /// The Hessian of twice_nll (row-major, n × n) by central differences of the analytic gradient, symmetrised.
    /// Steps are 1e-5·max(1, |θ|); a step that would leave the bounds becomes one-sided so that the model is never
    /// evaluated outside them (γ parameters have a lower bound of 1e-10).
    /// </summary>
    public void Hessian(ReadOnlySpan<double> parameters, Span<double> hessian)
    {
        int n = _objective.Dimension;
        if (parameters.Length != n || hessian.Length != n * n)
        {
            throw new ArgumentException($"expected {n} parameters and a {n}×{n} Hessian");
        }

        IReadOnlyList<ModelParameter> info = _objective.Model.Parameters;
        parameters.CopyTo(_point);
        for (int i = 0; i < n; i++)
        {
            double theta = parameters[i];
            double step = 1e-5 * Math.Max(1.0, Math.Abs(theta));
            double up = Math.Min(theta + step, info[i].Upper);
            double down = Math.Max(theta - step, info[i].Lower);
            if (up == down)
            {
                // A parameter with equal bounds has no curvature to measure.
                up = theta + step;
                down = theta - step;
            }

            _point[i] = up;
            _evaluator.Evaluate(_objective, _point, _gradientPlus);
            _point[i] = down;
            _evaluator.Evaluate(_objective, _point, _gradientMinus);
            _point[i] = theta;
            double width = up - down;
            for (int j = 0; j < n; j++)
            {
                hessian[(i * n) + j] = (_gradientPlus[j] - _gradientMinus[j]) / width;
            }
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                double mean = 0.5 * (hessian[(i * n) + j] + hessian[(j * n) + i]);
                hessian[(i * n) + j] = mean;
                hessian[(j * n) + i] = mean;
            }
        }
    }
}
