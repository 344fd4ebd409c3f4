from django.shortcuts import render


def home(request):
    return render(request, "public/home.html")


def privacy(request):
    return render(request, "public/privacy.html")


def accessibility(request):
    return render(request, "public/accessibility.html")
